#!/usr/bin/env python3
"""Fail if a module includes a module below it in DESIGN.md's order (upward dependency)."""
import os
import re
import sys

ORDER = ["common", "storage", "delta", "engine", "catalog", "access", "products", "sharing",
         "federation", "ports", "server", "cli"]
root = os.path.join(sys.argv[1], "src", "tessera")
bad = []
for module in os.listdir(root):
    if module not in ORDER:
        continue
    for dirpath, _, files in os.walk(os.path.join(root, module)):
        for name in files:
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(dirpath, name)
            for line in open(path, encoding="utf-8"):
                m = re.match(r'#include "tessera/([a-z_]+)/', line)
                if m and m.group(1) in ORDER and ORDER.index(m.group(1)) > ORDER.index(module):
                    bad.append(f"{path}: {module} must not include {m.group(1)}")
                # Ports never include each other (DESIGN.md): only `server` sees them all.
                p = re.match(r'#include "tessera/ports/([a-z_]+)/', line)
                if module == "ports" and p:
                    own = os.path.relpath(dirpath, os.path.join(root, "ports")).split(os.sep)[0]
                    if p.group(1) != own:
                        bad.append(f"{path}: port {own} must not include port {p.group(1)}")
print("\n".join(bad) or "layering ok")
sys.exit(1 if bad else 0)
