"""Vendor the Vega runtime for ``caflow report --interactive`` (src/caflow/report/vendor/).

    python scripts/vendor_vega.py            # npm install into a temporary folder, copy, write notices

Installs the pinned vega, vega-lite and vega-embed from the npm registry (the versions that
match altair's Vega-Lite schema: ``altair.VEGALITE_VERSION``) with npm's ordinary client into a
temporary folder, copies their minified UMD builds (without the ``sourceMappingURL`` comment:
the maps are not shipped, so a browser's developer tools must not look for them) and LICENSE
files, and writes THIRD-PARTY-NOTICES.txt with the license text of every package their builds
bundle (d3 modules and delaunator: ISC; fast-json-patch, json-stringify-pretty-compact: MIT;
semver: ISC; robust-predicates: Unlicense; ...), taken from the production dependency tree.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "caflow" / "report" / "vendor"
sys.path.insert(0, str(ROOT / "src"))
from caflow.report.vendor import VERSIONS as PINS  # noqa: E402  (after the path)

BUILDS = {
    "vega": "build/vega.min.js",
    "vega-lite": "build/vega-lite.min.js",
    "vega-embed": "build/vega-embed.min.js",
}
MAP_COMMENT = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE", "UNLICENSE")


def _license_text(folder: Path) -> str:
    for name in LICENSE_NAMES:
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8").strip()
    for found in sorted(folder.glob("[Ll][Ii][Cc][Ee][Nn][CcSs][Ee]*")):  # e.g. LICENSE-MIT.txt
        return found.read_text(encoding="utf-8").strip()
    raise SystemExit(f"{folder}: no license file")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "package.json").write_text('{"name": "vendor", "private": true}')
        specs = [f"{name}@{version}" for name, version in PINS.items()]
        npm = ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", *specs]
        subprocess.run(npm, cwd=work, check=True)
        tree = subprocess.run(
            ["npm", "ls", "--omit=dev", "--all", "--parseable"],
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        VENDOR.mkdir(parents=True, exist_ok=True)
        modules = work / "node_modules"
        for name, build in BUILDS.items():
            text = (modules / name / build).read_text(encoding="utf-8")
            (VENDOR / f"{name}.min.js").write_text(MAP_COMMENT.sub("\n", text), encoding="utf-8")
            (VENDOR / f"{name}.LICENSE").write_text(
                _license_text(modules / name) + "\n", encoding="utf-8"
            )
        notices = [
            "Third-party code bundled in vega.min.js, vega-lite.min.js and vega-embed.min.js",
            f"(vega {PINS['vega']}, vega-lite {PINS['vega-lite']}, vega-embed "
            f"{PINS['vega-embed']}; their own licenses are in *.LICENSE beside this file).",
            "Every package of their production dependency tree is listed (some, such as command",
            "line helpers, are not in the browser builds; listing them too is the safe side).",
        ]
        seen: set[str] = set()
        for path in sorted(set(tree)):
            folder = Path(path)
            if folder == work or not (folder / "package.json").is_file():
                continue
            meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
            if meta["name"] in PINS or meta["name"] in seen or meta["name"].startswith("@types/"):
                continue
            seen.add(meta["name"])
            notices += [
                "",
                "=" * 78,
                f"{meta['name']} {meta['version']} ({meta.get('license', 'see text')})",
                "=" * 78,
                _license_text(folder),
            ]
        (VENDOR / "THIRD-PARTY-NOTICES.txt").write_text("\n".join(notices) + "\n", encoding="utf-8")
    for f in sorted(VENDOR.iterdir()):
        print(f"{f.stat().st_size:>9,}  {f.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
