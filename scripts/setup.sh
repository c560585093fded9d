#!/usr/bin/env bash
# Installs what Bindery needs, skipping whatever is already there, and starts the services the tests use.
#   bash scripts/setup.sh start   what `npm start` needs (npm's prestart runs this)
#   bash scripts/setup.sh test    what `npm test` needs (npm's pretest runs this; CI too)
#   bash scripts/setup.sh cluster what the real Temporal server on PostgreSQL needs (npm run setup:cluster; optional)
# Each step prints one line; an install prints what it does and how long it took. A second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-steps.sh

profile="${1:-test}"
case "$profile" in
  start) steps=(npm_dependencies temporal_cli mailpit) ;;
  test) steps=(npm_dependencies temporal_cli mailpit postgresql scim2_server temporal_test_server chromium) ;;
  cluster) steps=(npm_dependencies temporal_cli postgresql temporal_server temporal_cluster_database) ;;
  *) echo "usage: bash scripts/setup.sh start|test|cluster" >&2; exit 2 ;;
esac

total=${#steps[@]}
n=0
for s in "${steps[@]}"; do
  n=$((n + 1))
  STEP_PREFIX="bindery setup [$n/$total]"
  "step_$s"
done
