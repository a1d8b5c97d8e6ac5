"""Salesforce record ids: the 15-character case-sensitive form to the 18-character case-safe one.

Reports show 15-character ids; API exports (Data Loader, Bulk API) the 18-character form, which
appends three checksum characters so ids stay unique when compared ignoring case. Normalising
both to 18 characters makes a report's records join with an API export's.

The suffix: split the 15 characters into three chunks of 5; in each, the characters that are
upper-case letters A-Z set a bit (the first character bit 0, the fifth bit 4); the 5-bit number
indexes into "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".
"""

from __future__ import annotations

import polars as pl

SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_15 = r"^[0-9A-Za-z]{15}$"
_ID_18 = r"^[0-9A-Za-z]{18}$"
_LETTER = dict(enumerate(SUFFIX_ALPHABET))  # 5-bit number -> its suffix character


def to_18(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(18-character id, is-not-an-id flag) of a text column of ids, vectorised.

    A 15-character id gains its suffix; an 18-character id is kept as it is; any other non-empty
    value is flagged (and kept) so its row can be quarantined with a reason."""
    suffix = []
    for chunk in range(3):
        bits = pl.sum_horizontal(
            text.str.slice(chunk * 5 + i, 1).str.contains("^[A-Z]$").cast(pl.Int32) * (1 << i)
            for i in range(5)
        )
        suffix.append(bits.replace_strict(_LETTER, return_dtype=pl.String))
    short = text.str.contains(_ID_15)
    full = pl.when(short).then(pl.concat_str([text, *suffix])).otherwise(text)
    wrong = text.is_not_null() & ~short & ~text.str.contains(_ID_18)
    return full, wrong
