#!/usr/bin/env bash
# `make attack`: one VM boot per kernel, the long adversarial campaign in each
# (tests/vm/attack.c), its summary table, and a combined "attack: N passed, N failed".
cd "$(dirname "$0")/../.." && VW_GUEST=tests/vm/guest-attack.sh VW_LABEL=attack exec tests/vm/run-matrix.sh "$@"
