"""CSV bytes → pandas DataFrame with the dtypes the table schema declares.

Kept apart so pandas is imported only when someone asks for a DataFrame. This is a
plain read_csv with explicit dtypes, because frictionless's own to_pandas is far
slower on large tables.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


def read_table(data: bytes, schema: dict[str, Any]) -> pd.DataFrame:
    fields = schema["fields"]
    dtypes = {f["name"]: _DTYPES.get(f["type"], "string") for f in fields}
    dates = [f["name"] for f in fields if f["type"] == "date"]
    for d in dates:
        dtypes[d] = "string"
    df = pd.read_csv(
        io.BytesIO(data),
        dtype=dtypes,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
        true_values=["true"],
        false_values=["false"],
    )
    for d in dates:
        df[d] = pd.to_datetime(df[d], format="%Y-%m-%d")
    return df
