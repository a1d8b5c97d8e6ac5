-- Each signed partner's tier outlook (METRICS.md section 5): the tier it would hold
-- tier_outlook_days after D if nothing new happened. That is the tier rules applied to what stays
-- in the trailing window then: its program credits of lines won and its referrals (approved deal
-- registrations by registration date, converted referrals by conversion date) dated in
-- (D - (tier_trailing_days - tier_outlook_days), D]. The highest tier of the seed whose revenue or
-- referral threshold is met wins (macro tier_for); every signed partner is at least registered.
{%- set kept_days = var('tier_trailing_days') - var('tier_outlook_days') %}
{%- set window_start = add_days(as_of_date(), -kept_days) %}

with partners as (
    select * from {{ ref('int_partners') }}
    where is_signed
),

tiers as (
    select * from {{ ref('partner_tiers') }}
),

credited_revenue as (
    select * from {{ ref('int_attribution_credited_revenue') }}
),

registrations as (
    select * from {{ ref('int_deal_registrations_matched') }}
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

events as (
    select
        partner_id,
        credited_revenue_usd,
        0 as referrals
    from credited_revenue
    where
        model = 'program'
        and is_won
        and close_date > {{ window_start }}
        and close_date <= {{ as_of_date() }}
    union all
    select
        partner_id,
        0 as credited_revenue_usd,
        1 as referrals
    from registrations
    where is_approved and registered_date > {{ window_start }}
    union all
    select
        partner_id,
        0 as credited_revenue_usd,
        1 as referrals
    from referrals
    where is_converted_as_of and converted_date > {{ window_start }}
),

kept as (
    select
        partners.partner_id,
        coalesce(sum(events.credited_revenue_usd), 0) as outlook_revenue_usd,
        coalesce(sum(events.referrals), 0) as outlook_referrals
    from partners
    left join events on partners.partner_id = events.partner_id
    group by partners.partner_id
),

final as (
    select
        kept.partner_id,
        cast(kept.outlook_revenue_usd as {{ money_type() }}) as outlook_revenue_usd,
        cast(kept.outlook_referrals as integer) as outlook_referrals,
        {{ tier_for('kept.outlook_revenue_usd', 'kept.outlook_referrals') }} as tier_outlook
    from kept
)

select * from final
