"""schemas/<table>.yaml must agree with the Pandera models of cimlab.contracts.models, column for
column, and the light column views of cimlab.contracts.columns (read from the YAML) with both."""

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
import pytest
import yaml

from cimlab.contracts import columns
from cimlab.contracts.columns import contract_document, schemas_dir
from cimlab.contracts.models import CONTRACTS, TABLES, Orders, contract
from cimlab.ingest import mapping
from cimlab.ingest.mapping import SOURCE_REQUIRED

TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "datetime_utc": pl.Datetime("us", "UTC"),
}
TOP_KEYS = {
    "table",
    "name_zh",
    "description",
    "description_zh",
    "source_required",
    "table_checks",
    "columns",
}
COLUMN_KEYS = {"name", "type", "required", "rule", "checks", "example", "label_zh"}
MANDATORY_COLUMN_KEYS = COLUMN_KEYS - {"checks"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def type_name(dtype: pl.DataType) -> str:
    for name, polars_type in TYPES.items():
        if dtype == polars_type:
            return name
    return f"unsupported dtype {dtype}"


def checks_of(column: Any) -> dict[str, Any]:
    """The YAML `checks` a Pandera column implies; unknown built-in checks fail loudly."""
    out: dict[str, Any] = {}
    for check in column.checks:
        stats = check.statistics or {}
        if check.name == "isin":
            out["isin"] = list(stats["allowed_values"])
        elif check.name == "greater_than_or_equal_to":
            out["ge"] = stats["min_value"]
        elif check.name == "less_than_or_equal_to":
            out["le"] = stats["max_value"]
        elif check.name == "str_matches":
            out["str_matches"] = stats["pattern"]
        elif check.name == "str_length":
            for key, yaml_key in (
                ("min_value", "min_length"),
                ("max_value", "max_length"),
                ("exact_value", "length"),
            ):
                if stats.get(key) is not None:
                    out[yaml_key] = stats[key]
        elif not stats:  # a named custom check such as `finite`
            out[check.name] = True
        else:
            out[f"unsupported check {check.name}"] = stats
    return out


def contract_differences(
    doc: dict[str, Any], table: str, model: type[pa.DataFrameModel] | None = None
) -> list[str]:
    """Every disagreement between the contract YAML of ``table`` and its Pandera model."""
    schema = (model or CONTRACTS[table]).to_schema()
    diffs: list[str] = []
    missing_top = {"table", "name_zh", "description", "source_required", "columns"} - set(doc)
    if missing_top:
        diffs.append(f"missing top-level keys {sorted(missing_top)}")
    if set(doc) - TOP_KEYS:
        diffs.append(f"unknown top-level keys {sorted(set(doc) - TOP_KEYS)}")
    if doc.get("table") != table:
        diffs.append(f"table {doc.get('table')!r} != {table!r}")
    if doc.get("source_required") != SOURCE_REQUIRED[table]:
        diffs.append(f"source_required {doc.get('source_required')} != {SOURCE_REQUIRED[table]}")
    doc_table_checks = [c.get("name") for c in doc.get("table_checks") or []]
    model_table_checks = [c.name for c in schema.checks]
    if doc_table_checks != model_table_checks:
        diffs.append(f"table_checks {doc_table_checks} != model {model_table_checks}")
    if any(not c.get("rule") for c in doc.get("table_checks") or []):
        diffs.append("a table check has no rule in words")

    columns = doc.get("columns") or []
    names = [c.get("name") for c in columns]
    if names != list(schema.columns):
        diffs.append(f"column names/order {names} != model {list(schema.columns)}")
    for column in columns:
        name = column.get("name")
        where = f"column {name}"
        if MANDATORY_COLUMN_KEYS - set(column):
            diffs.append(f"{where}: missing keys {sorted(MANDATORY_COLUMN_KEYS - set(column))}")
        if set(column) - COLUMN_KEYS:
            diffs.append(f"{where}: unknown keys {sorted(set(column) - COLUMN_KEYS)}")
        if not CJK.search(str(column.get("label_zh", ""))):
            diffs.append(f"{where}: label_zh {column.get('label_zh')!r} has no Chinese")
        if not str(column.get("rule", "")).strip():
            diffs.append(f"{where}: empty rule")
        model_column = schema.columns.get(name)
        if model_column is None:
            continue
        expected_type = type_name(model_column.dtype.type)
        if column.get("type") != expected_type:
            diffs.append(f"{where}: type {column.get('type')!r} != model {expected_type!r}")
        if column.get("required") is not (not model_column.nullable):
            diffs.append(
                f"{where}: required {column.get('required')!r} != model {not model_column.nullable}"
            )
        expected_checks = checks_of(model_column)
        actual_checks = column.get("checks", {})
        if actual_checks != expected_checks:
            diffs.append(f"{where}: checks {actual_checks} != model {expected_checks}")
        elif any(type(actual_checks[k]) is not type(expected_checks[k]) for k in expected_checks):
            diffs.append(f"{where}: check value types differ from the model's")
    return diffs


def example_frame(doc: dict[str, Any]) -> pl.DataFrame:
    """One row made of the documented examples, typed as documented."""
    data: dict[str, list[Any]] = {}
    for column in doc["columns"]:
        value = column["example"]
        if column["type"] == "date":
            value = dt.date.fromisoformat(value)
        elif column["type"] == "datetime_utc":
            assert value.endswith("Z"), f"{column['name']}: write UTC examples with a Z"
            value = dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=dt.UTC)
        data[column["name"]] = [value]
    schema = {c["name"]: TYPES[c["type"]] for c in doc["columns"]}
    return pl.DataFrame(data, schema=schema, strict=True)


def load(table: str) -> dict[str, Any]:
    with (schemas_dir() / f"{table}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("table", TABLES)
def test_yaml_matches_model(table: str) -> None:
    assert contract_differences(load(table), table) == []


def test_every_table_has_exactly_one_yaml() -> None:
    files = sorted(p.stem for p in schemas_dir().glob("*.yaml"))
    assert files == sorted(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_examples_are_valid_rows(table: str) -> None:
    frame = example_frame(load(table))
    assert CONTRACTS[table].validate(frame, lazy=True).height == 1


@pytest.mark.parametrize("table", TABLES)
def test_examples_are_written_in_their_type(table: str) -> None:
    python_types = {"string": str, "int": int, "float": float, "bool": bool}
    for column in load(table)["columns"]:
        expected = python_types.get(column["type"], str)  # dates are ISO text
        assert type(column["example"]) is expected, column["name"]


def test_contract_document_and_labels_come_from_the_yaml() -> None:
    assert contract_document("orders")["name_zh"] == "订单"
    labels = columns.column_labels_zh("orders")
    assert list(labels) == list(Orders.to_schema().columns)
    assert labels["amount"] == "金额"


def test_the_readers_stay_importable_from_mapping() -> None:
    assert mapping.schemas_dir is columns.schemas_dir
    assert mapping.contract_document is columns.contract_document
    assert mapping.column_labels_zh is columns.column_labels_zh


# --------------------------------------------------------------------------- the light view


def pandera_view(table: str) -> tuple[dict[str, pl.DataType], list[str]]:
    """Dtypes and never-null columns as the Pandera model declares them."""
    schema = contract(table).to_schema()
    dtypes = {name: col.dtype.type for name, col in schema.columns.items()}
    return dtypes, [name for name, col in schema.columns.items() if not col.nullable]


@pytest.mark.parametrize("table", TABLES)
def test_the_light_schema_equals_the_pandera_one(table: str) -> None:
    dtypes, non_null = pandera_view(table)
    light = columns.polars_schema(table)
    assert list(light) == list(dtypes)
    # repr too: a Datetime compares equal to the bare class, whatever its zone
    assert {c: repr(d) for c, d in light.items()} == {c: repr(d) for c, d in dtypes.items()}
    assert light == dtypes
    assert columns.non_null_columns(table) == non_null
    assert columns.column_names(table) == list(dtypes)
    derived = {"name_is_masked", "phone_is_masked"}
    assert columns.required_columns(table) == [c for c in non_null if c not in derived]


def test_the_light_constants_are_the_models_own() -> None:
    assert tuple(CONTRACTS) == columns.TABLES
    status = Orders.to_schema().columns["status"].checks[0].statistics["allowed_values"]
    assert list(status) == list(columns.ORDER_STATUSES)


def test_the_light_view_follows_the_yaml(tmp_path: Path, monkeypatch) -> None:
    """Not a copy that happens to match: a changed YAML changes the light schema."""
    for name in TABLES:
        doc = load(name)
        if name == "feedback":
            _column(doc, "nps")["type"] = "float"
            _column(doc, "nps")["required"] = True
        (tmp_path / f"{name}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
        )
    monkeypatch.setattr(columns, "schemas_dir", lambda: tmp_path)
    assert columns.polars_schema("feedback")["nps"] == pl.Float64
    assert "nps" in columns.non_null_columns("feedback")
    dtypes, non_null = pandera_view("feedback")
    assert dtypes["nps"] == pl.Int64 and "nps" not in non_null


def test_the_light_view_rejects_unknown_tables() -> None:
    with pytest.raises(ValueError, match="table='order' is not one of customers, orders"):
        columns.polars_schema("order")


# --------------------------------------------------------------------------- the test can fail


def _set(path: tuple[Any, ...], value: Any):
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _column(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in doc["columns"] if c["name"] == name)


MUTATIONS = {
    "type changed": (
        "orders",
        lambda d: _column(d, "quantity").update(type="int"),
        "column quantity: type",
    ),
    "required flipped": (
        "orders",
        lambda d: _column(d, "sku").update(required=True),
        "column sku: required",
    ),
    "isin changed": (
        "orders",
        lambda d: _column(d, "status")["checks"].update(isin=["paid", "refunded", "cancelled"]),
        "column status: checks",
    ),
    "isin reordered is still a change": (
        "customers",
        lambda d: _column(d, "gender")["checks"]["isin"].reverse(),
        "column gender: checks",
    ),
    "ge changed": (
        "feedback",
        lambda d: _column(d, "nps")["checks"].update(ge=1),
        "column nps: checks",
    ),
    "le dropped": (
        "feedback",
        lambda d: _column(d, "csat")["checks"].pop("le"),
        "column csat: checks",
    ),
    "ge written as float": (
        "orders",
        lambda d: _column(d, "line_number")["checks"].update(ge=1.0),
        "column line_number: check value types",
    ),
    "regex loosened": (
        "orders",
        lambda d: _column(d, "currency")["checks"].update(str_matches="^[A-Z]+$"),
        "column currency: checks",
    ),
    "custom check forgotten": (
        "orders",
        lambda d: _column(d, "amount").pop("checks"),
        "column amount: checks",
    ),
    "check invented": (
        "interactions",
        lambda d: _column(d, "note").update(checks={"str_matches": ".+"}),
        "column note: checks",
    ),
    "min length dropped": (
        "customers",
        lambda d: _column(d, "source_customer_id").pop("checks"),
        "column source_customer_id: checks",
    ),
    "column removed": (
        "interactions",
        lambda d: d["columns"].pop(),
        "column names/order",
    ),
    "columns swapped": (
        "feedback",
        lambda d: d["columns"].insert(3, d["columns"].pop(4)),
        "column names/order",
    ),
    "column renamed": (
        "customers",
        _set(("columns", 2, "name"), "full_name"),
        "column names/order",
    ),
    "label lost its Chinese": (
        "orders",
        lambda d: _column(d, "amount").update(label_zh="amount"),
        "column amount: label_zh",
    ),
    "table check forgotten": ("orders", _set(("table_checks",), []), "table_checks"),
    "source_required changed": (
        "orders",
        _set(("source_required",), ["order_id", "amount"]),
        "source_required",
    ),
    "wrong table name": ("feedback", _set(("table",), "orders"), "table 'orders' != 'feedback'"),
    "unknown column key": (
        "orders",
        lambda d: _column(d, "sku").update(source_synonyms=["SKU"]),
        "column sku: unknown keys",
    ),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_an_altered_yaml_is_caught(case: str, tmp_path: Path) -> None:
    table, mutate, expected = MUTATIONS[case]
    doc = copy.deepcopy(load(table))
    mutate(doc)
    altered = tmp_path / f"{table}.yaml"
    altered.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reloaded = yaml.safe_load(altered.read_text(encoding="utf-8"))
    diffs = contract_differences(reloaded, table)
    assert any(expected in d for d in diffs), diffs


def test_an_altered_model_is_caught() -> None:
    class OrdersChanged(Orders):
        amount: float = pa.Field(ge=0)
        store: str = pa.Field()

    diffs = contract_differences(load("orders"), "orders", OrdersChanged)
    assert any("column amount: checks" in d for d in diffs), diffs
    assert any("column store: required" in d for d in diffs), diffs


def test_an_altered_yaml_example_is_caught() -> None:
    doc = copy.deepcopy(load("orders"))
    _column(doc, "status")["example"] = "shipped"
    with pytest.raises(pa.errors.SchemaErrors):
        Orders.validate(example_frame(doc), lazy=True)


# --------------------------------------------------------------------------- where schemas live


def test_schemas_dir_prefers_the_bundled_copy(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "site-packages" / "cimlab"
    (package / "_schemas").mkdir(parents=True)
    monkeypatch.setattr(columns, "__file__", str(package / "contracts" / "columns.py"))
    assert columns.schemas_dir() == package / "_schemas"


def test_schemas_dir_falls_back_to_the_source_tree(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "repo" / "cimlab"
    package.mkdir(parents=True)
    monkeypatch.setattr(columns, "__file__", str(package / "contracts" / "columns.py"))
    assert columns.schemas_dir() == tmp_path / "repo" / "schemas"


def test_source_tree_schemas_dir_and_wheel_layout_agree() -> None:
    root = Path(__file__).resolve().parents[1]
    assert schemas_dir() == root / "schemas"
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["schemas"] == "cimlab/_schemas"
