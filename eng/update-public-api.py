#!/usr/bin/env python3
"""Brings every package's PublicAPI.Unshipped.txt in line with its code.

Builds the given project (or the solution), reads the PublicApiAnalyzers diagnostics RS0016
(a public symbol missing from the files) and RS0017 (a listed symbol that no longer exists),
and adds or removes those lines. Review the diff: it is the change to the public surface.

    python3 eng/update-public-api.py [project-or-solution] [extra dotnet build args...]
"""
import os
import re
import subprocess
import sys

target = sys.argv[1] if len(sys.argv) > 1 else "Nexus.sln"
extra = sys.argv[2:]
out = subprocess.run(
    ["dotnet", "build", target, "--no-incremental", "-p:TreatWarningsAsErrors=false",
     "-p:WarningsAsErrors=", "-clp:NoSummary"] + extra,
    capture_output=True, text=True).stdout
add, remove = {}, {}
pattern = re.compile(r"(RS0016|RS0017): Symbol '(.*?)' is (?:not part of the declared public API|part of the declared API).*\[(.*?\.csproj)\]")
for line in out.splitlines():
    m = pattern.search(line)
    if m:
        rule, symbol, project = m.groups()
        (add if rule == "RS0016" else remove).setdefault(os.path.dirname(project), set()).add(symbol)

for folder in sorted(set(add) | set(remove)):
    path = os.path.join(folder, "PublicAPI.Unshipped.txt")
    lines = open(path).read().splitlines() if os.path.exists(path) else ["#nullable enable"]
    header = [l for l in lines if l.startswith("#")] or ["#nullable enable"]
    body = {l for l in lines if l and not l.startswith("#")}
    body |= add.get(folder, set())
    body -= remove.get(folder, set())
    with open(path, "w") as f:
        f.write("\n".join(header + sorted(body)) + "\n")
    print(f"{path}: +{len(add.get(folder, ()))} -{len(remove.get(folder, ()))}")
errors = [l for l in out.splitlines() if ": error " in l and "RS001" not in l]
for e in sorted(set(errors))[:40]:
    print(e)
