#!/usr/bin/env bash
# Validates the deployment recipes offline against bundled schemas:
# - deploy/kubernetes/*.yaml with kubernetes-validate --strict (PyPI; the Kubernetes OpenAPI
#   schemas ship in the package; unknown fields are errors);
# - deploy/github-actions/*.yml with check-jsonschema's bundled GitHub workflow schema (PyPI);
# - their run: scripts with shellcheck, when it is installed.
# Both tools go into a cache venv (RESETGAP_DEPLOY_VENV, default ~/.cache/resetgap-deploy-venv).
# The recipes' behaviour (their args run on the demo estate) is tested in tests/shards.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${RESETGAP_DEPLOY_VENV:-$HOME/.cache/resetgap-deploy-venv}"
if [ ! -x "$venv/bin/kubernetes-validate" ] || [ ! -x "$venv/bin/check-jsonschema" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check kubernetes-validate check-jsonschema
fi
echo "kubernetes-validate $("$venv/bin/kubernetes-validate" --version)"
"$venv/bin/kubernetes-validate" --strict deploy/kubernetes/*.yaml
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows deploy/github-actions/*.yml
if command -v shellcheck >/dev/null; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # Each run: block as the runner's bash would see it (expressions are only in env: values).
    "$venv/bin/python" - "$tmp" deploy/github-actions/*.yml <<'PY'
import sys, yaml, pathlib
out = pathlib.Path(sys.argv[1])
for wf in sys.argv[2:]:
    doc = yaml.safe_load(open(wf))
    for job, spec in doc["jobs"].items():
        for i, step in enumerate(spec.get("steps", [])):
            if "run" in step:
                (out / f"{pathlib.Path(wf).stem}-{job}-{i}.sh").write_text("#!/usr/bin/env bash\n" + step["run"])
PY
    shellcheck "$tmp"/*.sh
    echo "shellcheck: $(ls "$tmp" | wc -l) run: scripts clean"
else
    echo "SKIPPED: shellcheck not installed"
fi
echo "deploy recipes valid"
