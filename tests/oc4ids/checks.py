"""Offline OC4IDS 0.9.5 validation: the JSON Schema (draft 4, the project schema registered under its
absolute id so nothing is fetched) and every codelist, open ones included (the schema checks only
the closed ones, by enum)."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "apps" / "oc4ids" / "schema"


def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def project_schema() -> dict:
    return _load("project-schema.json")


@cache
def registry() -> Registry:
    schema = project_schema()
    return Registry().with_resource(schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))


def schema_errors(data: dict, *, package: bool = True) -> list[str]:
    schema = _load("project-package-schema.json") if package else project_schema()
    validator = Draft4Validator(schema, registry=registry(), format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


@cache
def codes(codelist: str) -> frozenset[str]:
    with (SCHEMA_DIR / "codelists" / codelist).open(encoding="utf-8") as f:
        return frozenset(row["Code"] for row in csv.DictReader(f))


def codelist_errors(project: dict) -> list[str]:
    """Every value of a field marked "codelist" in the project schema is a code of that list."""
    errors: list[str] = []
    definitions = project_schema()["definitions"]

    def walk(node: dict, value, path: str) -> None:
        if "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[-1]]
        if "codelist" in node:
            values = value if isinstance(value, list) else [value]
            errors.extend(f"{path}: {v!r} not in {node['codelist']}" for v in values if v not in codes(node["codelist"]))
            return
        if isinstance(value, dict):
            for key, child in value.items():
                if key in node.get("properties", {}):
                    walk(node["properties"][key], child, f"{path}/{key}")
        elif isinstance(value, list) and "items" in node:
            for i, child in enumerate(value):
                walk(node["items"], child, f"{path}/{i}")

    walk(project_schema(), project, "")
    return errors
