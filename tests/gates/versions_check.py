"""galaxy.yml, meta/runtime.yml, changelogs/changelog.yaml, the Makefile's matrix and the README agree.

- The README's Compatibility section names the collection version and requires_ansible exactly as declared.
- The oldest ansible-core the Makefile's matrix tests is the one requires_ansible admits.
- changelog.yaml has no release newer than galaxy.yml's version; if that version is released already,
  no fragments wait for a release.
"""

import re
import sys
from pathlib import Path

import yaml
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def load(path):
    return yaml.safe_load((ROOT / path).read_text())


def main():
    problems = []
    version = str(load("galaxy.yml")["version"])
    requires = load("meta/runtime.yml")["requires_ansible"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)(?:\.\d+)?", requires.replace(" ", "").split(",")[0])
    if not match:
        sys.exit("meta/runtime.yml: requires_ansible %r does not start with a >=X.Y lower bound" % requires)
    oldest = "%s.%s" % match.groups()

    readme = (ROOT / "README.md").read_text()
    section = re.search(r"^## Compatibility\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    if not section:
        problems.append("README.md has no '## Compatibility' section")
    else:
        text = section.group(1)
        for needle in ("requires_ansible: %s" % requires, "akops.authentik %s" % version, "ansible-core %s" % oldest):
            if needle not in text:
                problems.append("README.md Compatibility section does not say %r" % needle)

    makefile = (ROOT / "Makefile").read_text()
    if not re.search(r"^OLDEST_CORE\s*[?:]?=.*runtime\.yml", makefile, re.M):
        problems.append("Makefile: OLDEST_CORE is not derived from meta/runtime.yml")

    changelog = load("changelogs/changelog.yaml") or {}
    released = sorted((Version(str(v)) for v in (changelog.get("releases") or {})), reverse=True)
    fragments = list((ROOT / "changelogs" / "fragments").glob("*.y*ml"))
    if released and released[0] > Version(version):
        problems.append("changelog.yaml has release %s, newer than galaxy.yml version %s" % (released[0], version))
    if released and released[0] == Version(version) and fragments:
        problems.append("version %s is released already but fragments wait: bump galaxy.yml's version" % version)
    if not released and not fragments:
        problems.append("changelogs: no release and no fragment describe version %s" % version)

    for problem in problems:
        print(problem)
    print("versions: collection %s, requires_ansible %s, %d problems" % (version, requires, len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
