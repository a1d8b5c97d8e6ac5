-- Each fund request up to D with what it spent in the reporting currency and the spend date
-- (METRICS.md section 6: the claim date, else the approval's, else the request's), and the
-- campaign it names when the CRM knows it. fct_mdf_roi and the one_sided_value flag read it.
with fund_requests as (
    select * from {{ ref('stg_mdf__fund_requests') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

fx as (
    select * from {{ ref('int_fx_rates_daily') }}
),

requests as (
    -- requests of deleted partners are gone with them
    select fund_requests.*
    from fund_requests
    inner join partners
        on fund_requests.partner_id = partners.partner_id
    where cast(fund_requests.requested_at as date) <= {{ as_of_date() }}
),

spend as (
    select
        requests.*,
        cast(requests.requested_at as date) as requested_date,
        cast(coalesce(
            case
                when cast(requests.claimed_at as date) <= {{ as_of_date() }}
                    then requests.claimed_at
            end,
            case
                when cast(requests.approved_at as date) <= {{ as_of_date() }}
                    then requests.approved_at
            end,
            requests.requested_at
        ) as date) as spend_date,
        campaigns.campaign_id as known_campaign_id,
        campaigns.start_date,
        campaigns.end_date,
        requests.status not in ('rejected', 'cancelled') as funds_campaign
    from requests
    left join campaigns on requests.campaign_id = campaigns.campaign_id
),

final as (
    select
        spend.*,
        {{ to_reporting_currency('spend.spent_amount', 'spend.currency', 'fx.rate_to_reporting') }}
            as spent_usd
    from spend
    left join fx on spend.currency = fx.currency and spend.spend_date = fx.rate_day
)

select * from final
