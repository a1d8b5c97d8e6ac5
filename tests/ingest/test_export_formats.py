"""Known export formats (formats/*.yml, export_formats.py, mapping.py): each mapping on its tool's
sample file.

The samples are byte-for-byte copies of shared/fixtures/exports kept in tests/fixtures/exports;
each test copies the ones it needs into tmp_path. Expected values are worked out by hand from the
sample files (UTC conversions noted beside them).
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import export_formats
from dagster_project.ingest.landing import RejectedFile, discover
from dagster_project.ingest.loader import ensure_schemas, load_source
from dagster_project.ingest.reader import read_file

SAMPLES = Path(__file__).parent.parent / "fixtures" / "exports"
DAY = "2024-05-16"


def drop(landing: Path, sample: str, source: str, name: str | None = None, day: str = DAY) -> str:
    """Copy a sample export into <landing>/<source>/<day>/ under its own (or a given) name."""
    target = landing / source / day / (name or Path(sample).name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLES / sample, target)
    return target.relative_to(landing).as_posix()


def put(landing: Path, rel: str, data: bytes | str) -> str:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return rel


def read(landing: Path, rel: str):
    (found,) = [f for f in discover(landing) if f.relative_path == rel]
    result = read_file(found)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_set_aside
    return result


def by_key(result, key: str) -> dict:
    return {row[key]: row for row in result.frame.iter_rows(named=True)}


def quarantined(result) -> list[tuple[int, str]]:
    return list(zip(result.quarantine["line_number"], result.quarantine["reason"], strict=True))


def set_aside(result) -> list[tuple[int, str]]:
    return list(zip(result.set_aside["line_number"], result.set_aside["reason"], strict=True))


def t(*args) -> dt.datetime:
    return dt.datetime(*args)


# --------------------------------------------------------------------------------------------
# The mapping files themselves


def test_every_mapping_loads_most_specific_first():
    known = export_formats.known_formats()
    assert sorted(f.name for f in known) == [
        "aws_marketplace_billing_event",
        "azure_marketplace_earnings",
        "gcp_marketplace_detailed_disbursements",
        "hubspot_companies_export",
        "hubspot_deals_export",
        "hubspot_fivetran_company",
        "hubspot_fivetran_deal",
        "impact_actions",
        "partnerstack_customers",
        "partnerstack_customers_revenue",
        "salesforce_account",
        "salesforce_campaign",
        "salesforce_opportunity",
        "salesforce_opportunity_partner",
        "salesforce_partner",
        "salesforce_partner_fund_request",
        "salesforce_partner_fund_request_claims",
        "salesforce_report_opportunities",
        "salesforce_report_partners",
    ]
    sizes = [len(f.recognise) for f in known]
    assert sizes == sorted(sizes, reverse=True)
    names = [f.name for f in known]
    assert names.index("salesforce_partner") < names.index("salesforce_opportunity_partner")
    assert all(f.path.name == f"{f.name}.yml" for f in known)
    # every bundled format names its tool: the partner crosswalk's `tool` for its ids
    assert {f.tool for f in known} == {
        "salesforce", "hubspot", "impact", "partnerstack",
        "aws_marketplace", "azure_marketplace", "gcp_marketplace",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nentity: crm/leads\nrecognise: [a]\ncolumns: {a: a}\n", "crm/leads"),
        (
            "name: x\nentity: crm/campaigns\nrecognise: [a]\ncolumns: {campaign_id: a}\n",
            "required column(s) of crm/campaigns not mapped: campaign_name, updated_at",
        ),
        (
            "name: x\nentity: crm/campaigns\nrecognise: [a]\n"
            "columns: {campaign_id: a, campaign_name: a, updated_at: {from: a, epoch: us}}\n",
            "updated_at: epoch must be 'ms' or 's'",
        ),
        (
            "name: x\nentity: crm/campaigns\nrecognise: [a]\n"
            "columns: {campaign_id: a, campaign_name: {from: a, lower: true}, updated_at: a}\n",
            "campaign_name: unknown key(s) lower",
        ),
        (
            "name: x\nentity: crm/campaigns\nrecognise: [a]\ncolumns: {campaign_id: a, "
            "campaign_name: a, updated_at: {from: a, format: '%Y', time_zone: Mars/Olympus}}\n",
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            "name: x\ntool: Sales Force\nentity: crm/campaigns\nrecognise: [a]\n"
            "columns: {campaign_id: a, campaign_name: a, updated_at: a}\n",
            "tool 'Sales Force' must be a lower-case word",
        ),
    ],
)
def test_a_broken_mapping_fails_loudly_naming_its_file(tmp_path, text, message):
    (tmp_path / "broken.yml").write_text(text)
    with pytest.raises(export_formats.FormatError) as caught:
        export_formats.known_formats(tmp_path)
    assert str(caught.value).startswith("export format broken.yml: ")
    assert message in str(caught.value)


# --------------------------------------------------------------------------------------------
# Salesforce


def test_salesforce_account_all_caps_crlf_quoted_comma_utf8(tmp_path):
    data = (SAMPLES / "salesforce/Account_dataloader_export.csv").read_bytes()
    assert data.startswith(b'"ID","ISDELETED","NAME"') and b"\r\n" in data  # the quirks
    rel = drop(tmp_path, "salesforce/Account_dataloader_export.csv", "crm")
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "salesforce_account",
        "crm/accounts",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 8, 0)
    rows = by_key(result, "account_id")
    assert rows["0015g00000DNVLxAAP"] == {
        "account_id": "0015g00000DNVLxAAP",
        "account_name": "Dunmore & Vale, Inc.",
        "domain": "https://www.dunmorevale.example/",
        "partner_owner_id": None,
        "created_at": t(2022, 6, 30, 17, 45),
        "updated_at": t(2024, 5, 10, 16, 10, 10),
        "is_deleted": False,
        "account_type": "Customer",  # TYPE; no IsPartner column in this export
        "is_partner": None,
        "_line_number": 5,
    }
    assert rows["0015g00000MLEVxAAP"]["account_name"] == "Müller Everlight GmbH"
    # SYSTEMMODSTAMP (08:00:01) wins over LASTMODIFIEDDATE (08:00:00)
    assert rows["0015g00000CBLDxAAP"]["updated_at"] == t(2024, 5, 2, 8, 0, 1)
    assert result.unknown_columns == [  # TYPE is read: account_type
        "BILLINGCOUNTRY",
        "INDUSTRY",
        "EXTERNAL_CUSTOMER_ID__C",
        "OWNERID",
    ]


def test_salesforce_opportunity_query_all_keeps_the_deleted_row(tmp_path):
    rel = drop(tmp_path, "salesforce/Opportunity_bulkapi2_queryAll.csv", "crm")
    result = read(tmp_path, rel)
    assert result.export_format == "salesforce_opportunity"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 6, 0)
    rows = by_key(result, "opportunity_id")
    assert rows["0065g00000OPNWxAAP"] == {
        "opportunity_id": "0065g00000OPNWxAAP",
        "account_id": "0015g00000NWRBxAAP",
        "opportunity_name": "Northwind - Platform Expansion",
        "created_at": t(2024, 1, 15, 14),
        "close_date": dt.date(2024, 3, 28),
        "stage": "Closed Won",
        "is_closed": True,
        "is_won": True,
        "amount": Decimal("120000"),
        "currency": "USD",
        "campaign_id": "7015g00000CMPAxAAB",
        "marketplace_offer_id": None,
        "updated_at": t(2024, 3, 28, 18, 22, 41),
        "is_deleted": False,
        "_line_number": 2,
    }
    cobalt = rows["0065g00000OPCBxAAP"]
    assert (cobalt["currency"], cobalt["is_closed"], cobalt["is_won"], cobalt["campaign_id"]) == (
        "GBP",
        False,
        False,
        None,
    )
    assert rows["0065g00000OPDVxAAP"]["opportunity_name"] == "Dunmore & Vale - Renewal, FY24"
    assert rows["0065g00000OPDVxAAP"]["amount"] == Decimal("36500.5")
    deleted = rows["0065g00000OPDLxAAP"]
    assert (deleted["is_deleted"], deleted["stage"], deleted["_line_number"]) == (
        True,
        "Prospecting",
        7,
    )


def test_salesforce_campaign(tmp_path):
    rel = drop(tmp_path, "salesforce/Campaign_dataloader_export.csv", "crm")
    result = read(tmp_path, rel)
    assert (result.export_format, result.rows_loaded) == ("salesforce_campaign", 3)
    rows = by_key(result, "campaign_id")
    assert rows["7015g00000CMPCxAAB"] == {
        "campaign_id": "7015g00000CMPCxAAB",
        "campaign_name": "AWS Summit Booth, London",
        "partner_id": None,
        "start_date": dt.date(2024, 4, 24),
        "end_date": dt.date(2024, 4, 25),
        "updated_at": t(2024, 4, 30, 10),
        "is_deleted": False,
        "_line_number": 4,
    }


def test_salesforce_opportunity_partner_is_one_co_sell_touch_per_row(tmp_path):
    rel = drop(tmp_path, "salesforce/OpportunityPartner_bulkapi2.csv", "crm")
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "salesforce_opportunity_partner",
        "crm/partner_touches",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 5, 0)
    northwind = [
        (r["touch_id"], r["partner_id"], r["touch_kind"], r["touched_at"], r["partner_role"])
        for r in result.frame.iter_rows(named=True)
        if r["opportunity_id"] == "0065g00000OPNWxAAP"
    ]
    assert northwind == [  # primary and secondary partner on one opportunity, with their Role
        ("00J5g00000OPP01EAH", "0015g00000STWSxAAP", "co_sell", t(2024, 2, 2, 10),
         "System Integrator"),
        ("00J5g00000OPP02EAH", "0015g00000ORBTxAAP", "co_sell", t(2024, 2, 3, 10), "Consultant"),
    ]  # fmt: skip


def test_salesforce_partner_skips_the_account_to_account_row(tmp_path):
    rel = drop(tmp_path, "salesforce/Partner_dataloader_export.csv", "crm")
    result = read(tmp_path, rel)
    assert result.export_format == "salesforce_partner"  # not salesforce_opportunity_partner
    # the account-to-account row is left out on purpose: set aside, not quarantined
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 5, 0)
    assert set_aside(result) == [
        (7, "account-to-account partner (no OpportunityId), not a touch on an opportunity")
    ]
    assert result.set_aside_rules == (
        "account-to-account partner (no OpportunityId), not a touch on an opportunity: 1"
    )


def test_salesforce_partner_fund_request_in_the_mdf_folder(tmp_path):
    rel = drop(tmp_path, "salesforce/PartnerFundRequest_dataloader_export.csv", "mdf")
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "salesforce_partner_fund_request",
        "mdf/fund_requests",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    rows = by_key(result, "request_id")
    assert rows["0Fr5g00000PFR01CAH"] == {
        "request_id": "0Fr5g00000PFR01CAH",
        "partner_id": "0015g00000STWSxAAP",
        "campaign_id": "7015g00000CMPBxAAB",
        "requested_at": t(2024, 3, 5, 10),
        "requested_amount": Decimal("25000"),
        "approved_amount": Decimal("20000"),
        "spent_amount": None,
        "currency": "USD",
        "approved_at": None,
        "claimed_at": None,
        "proof_of_performance": None,
        "status": "Approved",
        "updated_at": t(2024, 3, 12, 10),
        "is_deleted": False,
        "_line_number": 2,
    }
    submitted = rows["0Fr5g00000PFR02CAH"]  # blank Amount while submitted; no campaign
    assert (submitted["approved_amount"], submitted["campaign_id"], submitted["status"]) == (
        None,
        None,
        "Submitted",
    )


def test_a_format_of_another_source_is_rejected_with_where_to_move_it(tmp_path):
    rel = drop(tmp_path, "salesforce/PartnerFundRequest_dataloader_export.csv", "crm")
    (found,) = discover(tmp_path)
    with pytest.raises(RejectedFile) as caught:
        read_file(found)
    assert caught.value.reason == (
        "is a salesforce_partner_fund_request export, which holds mdf/fund_requests, not an "
        "entity of 'crm'; move it to mdf/2024-05-16/PartnerFundRequest_dataloader_export.csv"
    )
    assert caught.value.path == rel


# --------------------------------------------------------------------------------------------
# HubSpot


def test_hubspot_deals_export_bom_labels_local_times_and_stage_maps(tmp_path):
    data = (SAMPLES / "hubspot/hubspot-crm-exports-all-deals.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfRecord ID,")
    rel = drop(tmp_path, "hubspot/hubspot-crm-exports-all-deals.csv", "crm")
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "hubspot_deals_export",
        "crm/opportunities",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 4, 1)
    rows = by_key(result, "opportunity_id")
    assert rows["15001"] == {
        "opportunity_id": "15001",
        "account_id": "9101",
        "opportunity_name": "Northwind - Platform Expansion",
        "created_at": t(2024, 1, 15, 14),  # 09:00 New York, EST (-05:00)
        "close_date": dt.date(2024, 3, 28),
        "stage": "Closed Won",
        "is_closed": True,
        "is_won": True,
        "amount": Decimal("120000"),
        "currency": "USD",
        "campaign_id": None,
        "marketplace_offer_id": None,
        "updated_at": t(2024, 3, 28, 18, 22),  # 14:22 New York, EDT (-04:00) after 10 March
        "is_deleted": None,
        "_line_number": 2,
    }
    cobalt = rows["15003"]
    assert (cobalt["stage"], cobalt["is_closed"], cobalt["is_won"], cobalt["currency"]) == (
        "Presentation Scheduled",
        False,
        False,
        "GBP",
    )
    dunmore = rows["15004"]
    assert (dunmore["opportunity_name"], dunmore["amount"], dunmore["created_at"]) == (
        "Dunmore & Vale - Renewal, FY24",
        Decimal("36500.5"),
        t(2024, 3, 20, 16),  # 12:00 EDT
    )
    # The closed-lost trial has no company and no amount: quarantined verbatim, not lost.
    assert quarantined(result) == [
        (6, "account_id: required value missing; amount: required value missing")
    ]
    assert result.quarantine["raw_record"][0] == (
        "15005,Fennel Foods - Trial,Closed Lost,Sales Pipeline,,USD,2024-04-01,"
        "2024-02-11 10:00,2024-04-01 10:00,,,,,,"
    )


def test_hubspot_multi_valued_ids_first_value_and_dst_edges(tmp_path):
    # Without the "(Primary)" column the company comes from the multi-valued one: first value.
    rel = put(
        tmp_path,
        f"crm/{DAY}/hubspot-crm-exports-deals.csv",
        (
            b"Record ID,Deal Name,Deal Stage,Amount,Currency,Create Date,Last Modified Date,"
            b"Associated Company IDs\r\n"
            b"1,A,closed lost,10,USD,2024-11-03 01:30,2024-11-03 03:00,9101;9106\r\n"
            b"2,B,Appointment Scheduled,20,EUR,2024-03-10 02:30,2024-03-10 03:00,9102\r\n"
            b"3,C,Closed Won,30,USD,2024-03-10 12:00,15/03/2024,9103\r\n"
        ),
    )
    result = read(tmp_path, rel)
    assert result.frame.select(
        "opportunity_id", "account_id", "is_closed", "is_won", "created_at"
    ).rows() == [
        # 01:30 happens twice on 3 Nov (EDT then EST): the earlier instant, 05:30 UTC
        ("1", "9101", True, False, t(2024, 11, 3, 5, 30)),
    ]
    assert quarantined(result) == [
        # 02:30 does not exist in New York on 10 March (clocks jump 02:00 -> 03:00)
        (
            3,
            "created_at: '2024-03-10 02:30' is not a date-time '%Y-%m-%d %H:%M' or "
            "'%Y-%m-%d %H:%M:%S' in America/New_York (or not a valid local time)",
        ),
        (
            4,
            "updated_at: '15/03/2024' is not a date-time '%Y-%m-%d %H:%M' or "
            "'%Y-%m-%d %H:%M:%S' in America/New_York (or not a valid local time); "
            "updated_at: '15/03/2024' is not an ISO-8601 timestamp",
        ),
    ]


def test_hubspot_companies_export_and_fivetran_company(tmp_path):
    ui = drop(tmp_path, "hubspot/hubspot-crm-exports-all-companies.csv", "crm")
    synced = drop(tmp_path, "hubspot/fivetran_company.csv", "crm")
    ui_rows = by_key(read(tmp_path, ui), "account_id")
    assert ui_rows["9101"] == {
        "account_id": "9101",
        "account_name": "Northwind Robotics",
        "domain": "northwind-robotics.example",
        "partner_owner_id": None,
        # 10:04 New York on 2 Nov 2023 is still EDT (-04:00; EST from 5 Nov): 14:04 UTC. (The
        # Fivetran sample says 15:04:11 for this company: the samples disagree by that hour.)
        "created_at": t(2023, 11, 2, 14, 4),
        "updated_at": t(2024, 3, 28, 18, 22),  # 14:22 EDT
        "is_deleted": None,
        "account_type": "Customer",
        "is_partner": None,
        "_line_number": 2,
    }
    result = read(tmp_path, synced)
    assert result.export_format == "hubspot_fivetran_company"
    rows = by_key(result, "account_id")
    assert rows["9104"]["account_name"] == "Dunmore & Vale, Inc."
    # the one-digit hour of _fivetran_synced ("2024-05-16 3:15:53"), already UTC
    assert (rows["9104"]["created_at"], rows["9104"]["updated_at"], rows["9104"]["is_deleted"]) == (
        t(2022, 6, 30, 17, 45),
        t(2024, 5, 16, 3, 15, 53),
        False,
    )


# --------------------------------------------------------------------------------------------
# impact.com and PartnerStack


def test_impact_actions_offsets_states_and_reversal(tmp_path):
    rel = drop(tmp_path, "impact/Actions.csv", "affiliate")
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "impact_actions",
        "affiliate/referrals",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)
    rows = by_key(result, "referral_id")
    assert rows["14512.4636.158133"] == {
        "referral_id": "14512.4636.158133",
        "partner_id": "3100457",
        "referred_at": t(2024, 2, 10, 17, 45, 7),  # 09:45:07-08:00
        "customer_email": None,
        "customer_domain": None,
        "status": "converted",  # APPROVED
        "converted_at": t(2024, 2, 11, 18, 42, 38),  # 10:42:38-08:00
        "revenue": Decimal("4800"),
        "commission": Decimal("480"),
        "currency": "USD",
        "updated_at": t(2024, 2, 11, 18, 51, 23),
        "is_deleted": None,
        "_line_number": 2,
    }
    pending = rows["14512.4636.158190"]
    assert (pending["status"], pending["referred_at"], pending["commission"]) == (
        "pending",
        t(2024, 4, 28, 18),  # 11:00-07:00 (daylight time)
        Decimal("316.25"),
    )
    reversed_ = rows["14512.4636.158201"]  # the row with a quoted comma in its Note
    assert (reversed_["status"], reversed_["revenue"], reversed_["commission"]) == (
        "rejected",
        Decimal("0"),
        Decimal("0"),
    )


def test_impact_unknown_state_is_quarantined_by_the_domain_check(tmp_path):
    header = (SAMPLES / "impact/Actions.csv").read_text().splitlines()[0]
    row = (SAMPLES / "impact/Actions.csv").read_text().splitlines()[1].replace("APPROVED", "LOCKED")
    rel = put(tmp_path, f"affiliate/{DAY}/Actions.csv", f"{header}\n{row}\n".encode())
    result = read(tmp_path, rel)
    assert quarantined(result) == [
        (2, "status: 'LOCKED' is not one of pending, converted, rejected")
    ]


def test_partnerstack_customers_epoch_ms_and_the_test_record(tmp_path):
    rel = drop(tmp_path, "partnerstack/customers.csv", "affiliate")
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "partnerstack_customers",
        "affiliate/referrals",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 4, 0)
    rows = by_key(result, "referral_id")
    assert rows["cust_Xk3m9QwE2a"] == {
        "referral_id": "cust_Xk3m9QwE2a",
        "partner_id": "part_orbit",
        "referred_at": t(2024, 2, 1, 9, 50),  # 1706781000000 ms
        "customer_email": "ops@bluepeak.example",
        "customer_domain": None,
        "status": "converted",
        "converted_at": t(2024, 2, 1, 9, 50),
        "revenue": None,
        "commission": None,
        "currency": None,
        "updated_at": t(2024, 4, 15, 21, 1, 5),  # 1713214865000 ms
        "is_deleted": None,
        "_line_number": 2,
    }
    assert quarantined(result) == []
    assert set_aside(result) == [(6, "test record (PartnerStack test=true), not a real customer")]


def test_a_bad_epoch_is_quarantined_with_what_was_expected(tmp_path):
    lines = (SAMPLES / "partnerstack/customers.csv").read_text().splitlines()
    bad = lines[1].replace(",1706781000000,", ",2024-02-01,")
    rel = put(tmp_path, f"affiliate/{DAY}/customers.csv", f"{lines[0]}\n{bad}\n".encode())
    result = read(tmp_path, rel)
    assert result.rows_loaded == 0
    assert quarantined(result) == [
        (
            2,
            "referred_at: '2024-02-01' is not a whole number of milliseconds since 1970-01-01 "
            "(epoch); converted_at: '2024-02-01' is not a whole number of milliseconds since "
            "1970-01-01 (epoch)",
        )
    ]


def test_minor_units_and_epoch_through_a_custom_mapping(tmp_path, monkeypatch):
    """The vocabulary on PartnerStack transactions (cents, epoch ms, a negative refund) via a
    mapping declared only for this test: a new format is a new YAML file, not new code."""
    mappings = tmp_path / "formats"
    mappings.mkdir()
    (mappings / "partnerstack_transactions_test.yml").write_text(
        "name: partnerstack_transactions_test\n"
        "entity: marketplace/transactions\n"
        "recognise: [key, customer_key, amount, amount_usd, currency]\n"
        "columns:\n"
        "  transaction_id: key\n"
        "  marketplace: {value: partnerstack}\n"
        "  transaction_at: {from: created_at, epoch: ms}\n"
        "  gross_amount: {from: amount, minor_units: 2}\n"
        "  currency: currency\n"
        "  customer_account_id: customer_key\n"
    )
    monkeypatch.setattr(export_formats, "FORMATS_DIR", mappings)
    rel = drop(tmp_path / "landing", "partnerstack/transactions.csv", "marketplace")
    result = read(tmp_path / "landing", rel)
    assert result.export_format == "partnerstack_transactions_test"
    got = result.frame.select("transaction_id", "transaction_at", "gross_amount", "currency")
    assert got.rows() == [
        ("txn_bluepeak_2024_04", t(2024, 4, 15, 21, 1, 5), Decimal("48000"), "USD"),
        ("txn_cobalt_2024_05", t(2024, 5, 2, 8), Decimal("2500"), "GBP"),  # pence
        ("txn_cobalt_2024_06", t(2024, 6, 2, 8), Decimal("2500"), "GBP"),
        ("txn_northwind_2024_03", t(2024, 3, 28, 18, 22, 41), Decimal("120000"), "USD"),
        ("txn_cobalt_2024_06_refund", t(2024, 6, 10, 6, 13, 20), Decimal("-2500"), "GBP"),
    ]
    assert result.unknown_columns == ["category_key", "product_key", "approved", "updated_at"]


# --------------------------------------------------------------------------------------------
# Unrecognised files and files in the canonical shape


def test_unknown_export_is_rejected_listing_the_formats_of_its_source(tmp_path):
    # Fivetran's HubSpot deal_pipeline_stage table: no format reads it
    put(tmp_path, f"crm/{DAY}/deal_pipeline_stage.csv", b"stage_id,pipeline_id,label\n1,2,Won\n")
    drop(tmp_path, "aws_marketplace/billing_event.csv", "marketplace")
    reasons = {}
    for found in discover(tmp_path):
        with pytest.raises(RejectedFile) as caught:
            read_file(found)
        reasons[found.relative_path] = caught.value.reason
    assert reasons == {
        "crm/2024-05-16/deal_pipeline_stage.csv": (
            "unknown entity 'deal_pipeline_stage' for source 'crm'; known entities: partners, "
            "accounts, opportunities, partner_touches, deal_registrations, campaigns; and no "
            "known export format for 'crm' matched its header (known formats: "
            "hubspot_companies_export, hubspot_deals_export, hubspot_fivetran_company, "
            "hubspot_fivetran_deal, salesforce_account, salesforce_campaign, "
            "salesforce_opportunity, "
            "salesforce_opportunity_partner, salesforce_partner, "
            "salesforce_report_opportunities, salesforce_report_partners)"
        ),
        "marketplace/2024-05-16/billing_event.csv": (
            "is the main file of an export of format aws_marketplace_billing_event and needs "
            "its other file(s) in the same folder: account, address"
        ),
    }


def test_canonical_name_with_a_foreign_header_says_both(tmp_path):
    rel = put(tmp_path, f"crm/{DAY}/accounts.csv", b"Id,Whatever\n1,x\n")
    (found,) = discover(tmp_path)
    with pytest.raises(RejectedFile) as caught:
        read_file(found)
    assert caught.value.path == rel
    assert caught.value.reason.startswith(
        "required columns missing: account_id, account_name, updated_at "
        "(the header has: Id, Whatever); and no known export format for 'crm' matched its header "
        "(known formats: hubspot_companies_export, "
    )


def test_an_export_named_like_a_canonical_entity_is_still_mapped(tmp_path):
    rel = drop(tmp_path, "salesforce/Opportunity_bulkapi2_queryAll.csv", "crm", "opportunities.csv")
    result = read(tmp_path, rel)
    assert (result.export_format, result.rows_loaded) == ("salesforce_opportunity", 6)


def test_recognised_but_a_required_source_column_is_missing(tmp_path):
    rel = put(
        tmp_path,
        f"crm/{DAY}/Opportunity.csv",
        b"Id,AccountId,StageName,IsClosed,IsWon,CreatedDate,Amount,SystemModstamp\n",
    )
    (found,) = discover(tmp_path)
    with pytest.raises(RejectedFile) as caught:
        read_file(found)
    assert caught.value.path == rel
    assert caught.value.reason == (
        "is recognised as a salesforce_opportunity export (crm/opportunities) but the file "
        "has no column CurrencyIsoCode, which currency comes from"
    )


def test_header_names_match_ignoring_case_spaces_and_order(tmp_path):
    rel = put(
        tmp_path,
        f"crm/{DAY}/Campaign.csv",
        b"\xef\xbb\xbf  systemmodstamp , NAME,startdate,Id ,EndDate\r\n"
        b'2024-02-01T10:00:00.000+0100,"Roadshow, Q2",2024-04-01,701X,\r\n',
    )
    result = read(tmp_path, rel)
    assert result.export_format == "salesforce_campaign"
    assert result.frame.drop("_line_number").rows() == [
        ("701X", "Roadshow, Q2", None, dt.date(2024, 4, 1), None, t(2024, 2, 1, 9), None)
    ]


# --------------------------------------------------------------------------------------------
# Loading into DuckDB


def test_load_source_records_the_format_and_keeps_every_row(tmp_path):
    landing = tmp_path / "landing"
    drop(landing, "salesforce/Opportunity_bulkapi2_queryAll.csv", "crm")
    drop(landing, "salesforce/Partner_dataloader_export.csv", "crm")
    drop(landing, "hubspot/hubspot-crm-exports-all-deals.csv", "crm")
    # Fivetran's HubSpot deal_pipeline_stage table: no format reads it
    put(landing, f"crm/{DAY}/deal_pipeline_stage.csv", b"stage_id,pipeline_id,label\n1,2,Won\n")
    put(
        landing,
        f"crm/{DAY}/campaigns.csv",
        b"campaign_id,campaign_name,updated_at\nC1,Canonical,2024-05-01\n",
    )
    drop(landing, "partnerstack/customers.csv", "affiliate")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        loads = load_source(con, landing, "crm", log=lambda _: None)
        loads += load_source(con, landing, "affiliate", log=lambda _: None)
        log = con.execute(
            "SELECT file_path, entity, status, export_format, rows_read, rows_loaded, "
            "rows_quarantined, rows_set_aside FROM audit.load_log ORDER BY load_seq"
        ).fetchall()
        assert log == [
            (f"crm/{DAY}/campaigns.csv", "campaigns", "loaded", None, 1, 1, 0, 0),
            (f"crm/{DAY}/deal_pipeline_stage.csv", "deal_pipeline_stage", "rejected", None,
             0, 0, 0, 0),
            (f"crm/{DAY}/hubspot-crm-exports-all-deals.csv", "opportunities", "loaded",
             "hubspot_deals_export", 5, 4, 1, 0),
            (f"crm/{DAY}/Opportunity_bulkapi2_queryAll.csv", "opportunities", "loaded",
             "salesforce_opportunity", 6, 6, 0, 0),
            (f"crm/{DAY}/Partner_dataloader_export.csv", "partner_touches", "loaded",
             "salesforce_partner", 6, 5, 0, 1),
            (f"affiliate/{DAY}/customers.csv", "referrals", "loaded",
             "partnerstack_customers", 5, 4, 0, 1),
        ]  # fmt: skip
        assert all(
            x.rows_read == x.rows_loaded + x.rows_quarantined + x.rows_set_aside for x in loads
        )
        assert con.execute(
            "SELECT opportunity_id, amount, is_deleted, _source_file, _line_number, _tool "
            "FROM raw.crm__opportunities WHERE opportunity_id IN ('0065g00000OPDLxAAP', '15004') "
            "ORDER BY 1"
        ).fetchall() == [  # _tool: the tool the format declares (the crosswalk's `tool`)
            ("0065g00000OPDLxAAP", Decimal("120000"), True,
             f"crm/{DAY}/Opportunity_bulkapi2_queryAll.csv", 7, "salesforce"),
            ("15004", Decimal("36500.5"), None, f"crm/{DAY}/hubspot-crm-exports-all-deals.csv", 5,
             "hubspot"),
        ]  # fmt: skip
        # a canonical file names no tool
        assert con.execute("SELECT _tool FROM raw.crm__campaigns").fetchall() == [(None,)]
        assert con.execute("SELECT count(*) FROM raw.crm__partner_touches").fetchall() == [(5,)]
        assert con.execute(
            "SELECT entity, file_path, line_number, reason FROM audit.quarantine ORDER BY 2"
        ).fetchall() == [
            ("opportunities", f"crm/{DAY}/hubspot-crm-exports-all-deals.csv", 6,
             "account_id: required value missing; amount: required value missing"),
        ]  # fmt: skip
        assert con.execute(
            "SELECT reason LIKE '%no known export format for ''crm'' matched its header%' "
            "FROM audit.rejected_files"
        ).fetchall() == [(True,)]
        # Loading again changes nothing.
        assert load_source(con, landing, "crm", log=lambda _: None) == []
    finally:
        con.close()


def test_a_crosswalk_without_a_tool_column_still_loads(tmp_path):
    # tool is optional: a crosswalk of tool_partner_id,partner_id maps ids from every tool
    rel = put(
        tmp_path,
        f"reference/{DAY}/partner_crosswalk.csv",
        b"tool_partner_id,partner_id\npart_orbit,P1\n",
    )
    result = read(tmp_path, rel)
    assert result.export_format is None and result.rows_quarantined == 0
    assert result.frame.select("tool", "tool_partner_id", "partner_id").rows() == [
        (None, "part_orbit", "P1")
    ]


def test_ensure_schemas_adds_export_format_to_an_old_load_log(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        con.execute("CREATE SCHEMA audit")
        con.execute(
            "CREATE TABLE audit.load_log (load_seq BIGINT NOT NULL, source VARCHAR, "
            "entity VARCHAR, export_date DATE, file_path VARCHAR NOT NULL, content_hash VARCHAR, "
            "status VARCHAR NOT NULL, reason VARCHAR, rows_read BIGINT, rows_loaded BIGINT, "
            "rows_quarantined BIGINT, unknown_columns VARCHAR, loaded_at TIMESTAMP NOT NULL)"
        )
        con.execute(
            "INSERT INTO audit.load_log VALUES (1, 'crm', 'campaigns', DATE '2024-05-01', "
            "'crm/2024-05-01/campaigns.csv', 'h', 'loaded', NULL, 1, 1, 0, NULL, now())"
        )
        ensure_schemas(con)
        ensure_schemas(con)
        assert con.execute("SELECT load_seq, export_format FROM audit.load_log").fetchall() == [
            (1, None)
        ]
    finally:
        con.close()


def test_a_near_miss_names_the_closest_format_and_the_column_it_lacks(tmp_path):
    sample = (SAMPLES / "salesforce/Opportunity_bulkapi2_queryAll.csv").read_text()
    header, *body = sample.splitlines()
    # the export's query left out IsWon: every other recognising column is there
    cut = header.split(",").index('"IsWon"')
    lines = [",".join(x for i, x in enumerate(line.split(",")) if i != cut) for line in [header]]
    rel = put(tmp_path, f"crm/{DAY}/Opportunity.csv", ("\n".join(lines) + "\n").encode())
    (found,) = discover(tmp_path)
    with pytest.raises(RejectedFile) as caught:
        read_file(found)
    assert caught.value.path == rel
    assert caught.value.reason.endswith(
        "; closest: salesforce_opportunity (crm/opportunities), which also needs column IsWon: "
        "add it to the export"
    )


def test_salesforce_account_partner_counts_each_forward_reverse_pair_once(tmp_path):
    rel = drop(tmp_path, "salesforce/AccountPartner_dataloader_export.csv", "crm")
    result = read(tmp_path, rel)
    assert result.export_format == "salesforce_partner"
    # lines 2/3: Orbit on the Cobalt pilot, forward then reverse; 4/5: Northwind <-> Kestrel with
    # no opportunity (both set aside as account-to-account); 6/7: Kestrel on the Dunmore renewal
    assert [
        (r["touch_id"], r["opportunity_id"], r["partner_id"], r["touched_at"])
        for r in result.frame.iter_rows(named=True)
    ] == [
        ("00I5g00000APR01EAH", "0065g00000OPCBxAAP", "0015g00000ORBTxAAP", t(2024, 3, 10, 9)),
        ("00I5g00000APR05EAH", "0065g00000OPDVxAAP", "0015g00000KSTRxAAP", t(2024, 4, 2, 15, 30)),
    ]
    reverse = "reverse row of a partner relationship already counted (ReversePartnerId)"
    no_opportunity = "account-to-account partner (no OpportunityId), not a touch on an opportunity"
    assert set_aside(result) == [
        (3, reverse),
        (4, no_opportunity),
        (5, no_opportunity),
        (7, reverse),
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 2, 0)


def test_distinct_pairs_shorthand_and_a_broken_declaration(tmp_path):
    base = (export_formats.FORMATS_DIR / "salesforce_partner.yml").read_text()
    start, end = base.index("distinct_pairs:"), base.index("columns:")

    def with_pairs(folder: str, declared: str):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "p.yml").write_text(base[:start] + declared + base[end:])
        return export_formats.known_formats(tmp_path / folder)

    (fmt,) = with_pairs("short", "distinct_pairs: [AccountFromId, AccountToId]\n")
    assert (fmt.distinct_pairs.pair, fmt.distinct_pairs.within) == (
        ("AccountFromId", "AccountToId"),
        (),
    )
    assert fmt.distinct_pairs.reason.startswith("the reverse of a AccountFromId/AccountToId pair")
    with pytest.raises(export_formats.FormatError, match="pair names exactly two columns"):
        with_pairs("broken", "distinct_pairs: [AccountFromId]\n")


def test_azure_marketplace_earnings_refund_negative_and_the_csp_reseller(tmp_path):
    rel = drop(tmp_path, "azure_marketplace/earnings_marketplace.csv", "marketplace")
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "azure_marketplace_earnings",
        "marketplace/transactions",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 4, 0)
    got = [
        (r["transaction_id"], r["marketplace"], r["transaction_at"], r["gross_amount"],
         r["currency"], r["marketplace_fee"], r["reseller_partner_id"], r["customer_account_id"])
        for r in result.frame.sort("_line_number").iter_rows(named=True)
    ]  # fmt: skip
    northwind = "6b0f4c1e-2a77-4d3b-9c11-0a1b2c3d4e5f"
    assert got == [
        # gross = transactionAmount, fee = storeFee (3%: 5000.00 - earningAmount 4850.00)
        ("3f1c9a20-0001", "azure", t(2024, 3, 5), Decimal("5000.00"), "USD", Decimal("150.00"),
         None, northwind),
        # sold through the CSP reseller Kestrel (Partner id 4871234), in euros
        ("3f1c9a20-0002", "azure", t(2024, 3, 18), Decimal("12000.00"), "EUR", Decimal("360.00"),
         "4871234", "9e8d7c6b-5a49-4382-b1c0-ffeeddccbbaa"),
        # a refund of part of the first sale: its own earning, negative, and so is its fee
        ("3f1c9a20-0003", "azure", t(2024, 4, 2), Decimal("-1000.00"), "USD", Decimal("-30.00"),
         None, northwind),
        ("3f1c9a20-0004", "azure", t(2024, 4, 11), Decimal("3000.00"), "USD", Decimal("90.00"),
         None, "1a2b3c4d-0000-4000-8000-00000000d0d0"),
    ]  # fmt: skip
    # line 6: a co-op earning (Microsoft paying us as a partner), no marketplace sale
    assert set_aside(result) == [
        (6, "a Microsoft incentive earning (rebate, co-op or fee), not a marketplace sale")
    ]


def test_azure_transaction_history_download_names_the_customer_tenant_id(tmp_path):
    # Payouts > Transaction history > Download: the same columns, the customer's tenant in
    # customerTenantId (learn.microsoft.com/partner-center/transaction-history), no storeFee
    sample = SAMPLES / "azure_marketplace/earnings_marketplace.csv"
    header, first_sale, *_ = sample.read_text(encoding="utf-8").splitlines()
    header = header.replace("customerId", "customerTenantId").replace(",storeFee", "")
    first_sale = first_sale.replace(",150.00,", ",", 1)  # its storeFee left out too
    text = f"{header}\n{first_sale}\n"
    rel = put(tmp_path, f"marketplace/{DAY}/TransactionHistory.csv", text.encode())
    result = read(tmp_path, rel)
    assert result.export_format == "azure_marketplace_earnings"
    (row,) = result.frame.iter_rows(named=True)
    assert (row["gross_amount"], row["marketplace_fee"], row["customer_account_id"]) == (
        Decimal("5000.00"),
        None,
        "6b0f4c1e-2a77-4d3b-9c11-0a1b2c3d4e5f",
    )


def test_gcp_detailed_disbursements_fee_refund_and_withheld_payouts(tmp_path):
    rel = drop(
        tmp_path, "gcp_marketplace/2024-04-01 Detailed Disbursements Report.csv", "marketplace"
    )
    result = read(tmp_path, rel)
    assert (result.export_format, result.entity.qualified_name) == (
        "gcp_marketplace_detailed_disbursements",
        "marketplace/transactions",
    )
    got = [
        (r["transaction_id"], r["marketplace"], r["transaction_at"], r["gross_amount"],
         r["marketplace_fee"], r["currency"], r["customer_account_id"], r["offer_id"])
        for r in result.frame.sort("_line_number").iter_rows(named=True)
    ]  # fmt: skip
    assert got == [
        ("2024-04-01|0A1B2C-3D4E5F-6A7B8C|A1B2-C3D4-E5F6|Paid", "gcp", t(2024, 4, 1),
         Decimal("2400.00"), Decimal("72.00"), "USD", "0A1B2C-3D4E5F-6A7B8C", None),
        # March usage withheld then, paid now: counted in this report
        ("2024-03-01|7F8E9D-0C1B2A-394857|A1B2-C3D4-E5F6|Released", "gcp", t(2024, 3, 1),
         Decimal("1800.00"), Decimal("54.00"), "USD", "7F8E9D-0C1B2A-394857",
         "po-2024-cobalt-01"),
        # a credit to the customer: negative, and so is Google's fee on it
        ("2024-04-01|5E6F70-8192A3-B4C5D6|A1B2-C3D4-E5F6|Paid", "gcp", t(2024, 4, 1),
         Decimal("-120.00"), Decimal("-3.60"), "USD", "5E6F70-8192A3-B4C5D6", None),
    ]  # fmt: skip
    assert set_aside(result) == [
        (3, "withheld by Google (customer delinquent), counted when released"),
        (6, "abandoned (Google will never collect it)"),
    ]
    assert result.rows_quarantined == 0


def test_a_gcp_report_without_its_payout_status_names_the_format_and_the_column(tmp_path):
    sample = SAMPLES / "gcp_marketplace/2024-04-01 Detailed Disbursements Report.csv"
    header = sample.read_text().splitlines()[0]
    cut = header.replace(",payout_status", "")  # the report's last column dropped
    rel = put(tmp_path, f"marketplace/{DAY}/disbursements.csv", f"{cut}\n".encode())
    (found,) = discover(tmp_path)
    with pytest.raises(RejectedFile) as caught:
        read_file(found)
    assert caught.value.path == rel
    assert caught.value.reason.endswith(
        "; closest: gcp_marketplace_detailed_disbursements (marketplace/transactions), which "
        "also needs column payout_status: add it to the export"
    )
