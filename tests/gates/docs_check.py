"""Every module of the collection (found in plugins/modules) renders with ansible-doc without errors or warnings,
and its EXAMPLES are a YAML list of tasks that use the module. The examples are written out as playbooks, one per
module, into the directory given as the only argument, for ansible-lint.

Run with the gate tools' Python and ANSIBLE_COLLECTIONS_PATH pointing at the installed collection.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = "akops.authentik"


def modules():
    return sorted(
        path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_")
    )


def ansible_doc(*args):
    command = [str(Path(sys.executable).parent / "ansible-doc"), "-t", "module"] + list(args)
    return subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)


def problems_of(module, playbook_dir):
    fqcn = "%s.%s" % (COLLECTION, module)
    text = ansible_doc(fqcn)
    if text.returncode != 0 or not text.stdout.strip():
        return ["ansible-doc %s failed (rc=%d): %s" % (fqcn, text.returncode, text.stderr.strip())]
    problems = ["ansible-doc %s: %s" % (fqcn, line) for line in text.stderr.splitlines()
                if "[WARNING]" in line or "[ERROR]" in line or "[DEPRECATION WARNING]" in line]
    data = json.loads(ansible_doc("--json", fqcn).stdout)[fqcn]
    for section in ("doc", "examples", "return"):
        if not data.get(section):
            problems.append("%s: %s is empty" % (fqcn, section.upper()))
    try:
        examples = yaml.safe_load(data.get("examples") or "")
    except yaml.YAMLError as exc:
        return problems + ["%s: EXAMPLES is not valid YAML: %s" % (fqcn, exc)]
    if not isinstance(examples, list) or not all(isinstance(task, dict) for task in examples):
        return problems + ["%s: EXAMPLES is not a list of tasks" % fqcn]
    if not any(fqcn in task for task in examples):
        problems.append("%s: no example calls %s by its FQCN" % (fqcn, fqcn))
    # The text is embedded as written, so ansible-lint judges the examples' own formatting.
    text = data["examples"].strip("\n")
    if not any("hosts" in task for task in examples):
        header = "- name: Examples of %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n" % fqcn
        text = header + textwrap.indent(text, "    ", lambda line: line.strip() != "")
    (playbook_dir / ("%s.yml" % module)).write_text("---\n" + textwrap.dedent(text) + "\n")
    return problems


def main():
    playbook_dir = Path(sys.argv[1])
    playbook_dir.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        sys.exit("ANSIBLE_COLLECTIONS_PATH must point at the installed collection")
    found = modules()
    if not found:
        sys.exit("no modules found in plugins/modules")
    problems = []
    for module in found:
        problems += problems_of(module, playbook_dir)
    for problem in problems:
        print(problem)
    print("ansible-doc and EXAMPLES: %d modules, %d problems" % (len(found), len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
