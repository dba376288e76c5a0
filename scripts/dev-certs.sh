#!/usr/bin/env bash
# Development PKI for `make run`, in git-ignored .run/: a CA, a serving certificate for 127.0.0.1/localhost, an
# admin client certificate (system:masters) and .run/kubeconfig pointing at the given port. Existing files are
# kept while valid; the kubeconfig is rewritten so a changed port takes effect.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${1:-6443}"
exec "$root/metrics-adapter" certs generate --out-dir "$root/.run" --dns localhost --ip 127.0.0.1 --ip ::1 \
  --client-cn dev-admin --client-group system:masters \
  --kubeconfig "$root/.run/kubeconfig" --server "https://127.0.0.1:${port}"
