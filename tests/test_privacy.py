"""No e-mail address from the exports reaches the marts (the public schema).

The hand-made exports name a referred customer by e-mail (affiliate/referrals, customer_email:
Jane.Doe@Acme.COM): the marts may use its domain to match an account, never the address."""

import re
from pathlib import Path

HANDMADE = Path(__file__).parent / "fixtures" / "handmade" / "landing"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def test_the_fixture_does_hold_an_email_address():
    referrals = (HANDMADE / "affiliate" / "2026-06-01" / "referrals.csv").read_text()
    assert EMAIL.search(referrals)


def test_no_text_column_of_any_mart_holds_an_email_address(open_marts):
    con = open_marts(HANDMADE, "2026-06-30")
    columns = con.execute(
        """
        select table_name, column_name from information_schema.columns
        where table_schema = 'marts' and data_type = 'VARCHAR'
        order by 1, 2
        """
    ).fetchall()
    assert len({table for table, _ in columns}) >= 10  # every mart, not an empty schema
    leaks = []
    for table, column in columns:
        values = con.execute(
            f'select distinct "{column}" from marts."{table}" where "{column}" like \'%@%\''
        ).fetchall()
        leaks += [f"marts.{table}.{column}: {v}" for (v,) in values if EMAIL.search(v)]
    assert leaks == []
