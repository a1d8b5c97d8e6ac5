-- Each partner's tier as of the days it can change (METRICS.md section 5), with the rules at each
-- day X: tier revenue = program-credited revenue of lines won in the trailing days up to X;
-- referrals = approved deal registrations (by registration date) + converted affiliate referrals
-- (by conversion date) in the same days. The highest tier reached wins (seed partner_tiers);
-- every signed partner is at least registered; a day it is not signed on (a prospect, or after
-- termination) has tier revenue and referrals but no tier.
-- A tier can only change on a day something enters the trailing window (an event), leaves it
-- (an event's date + the window), or the partner signs or ends; so rows exist for those days (and
-- for D), and the tier on any other day is the one of the latest row on or before it. Every
-- referral conversion day of a signed partner has a row.
{%- set trailing_days = var('tier_trailing_days') %}

with partners as (
    select
        *,
        least(coalesce(agreement_date, {{ as_of_date() }}), {{ as_of_date() }}) as first_day
    from {{ ref('int_partners') }}
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

thresholds as (
    select
        max(case when tier = 'platinum' then min_revenue_usd end) as platinum_revenue,
        max(case when tier = 'platinum' then min_referrals end) as platinum_referrals,
        max(case when tier = 'gold' then min_revenue_usd end) as gold_revenue,
        max(case when tier = 'gold' then min_referrals end) as gold_referrals,
        max(case when tier = 'silver' then min_revenue_usd end) as silver_revenue,
        max(case when tier = 'silver' then min_referrals end) as silver_referrals
    from tiers
),

events as (
    select
        partner_id,
        close_date as event_date,
        credited_revenue_usd,
        0 as referrals
    from credited_revenue
    where model = 'program' and is_won and credited_revenue_usd is not null
    union all
    select
        partner_id,
        registered_date as event_date,
        0 as credited_revenue_usd,
        1 as referrals
    from registrations
    where is_approved
    union all
    select
        partner_id,
        converted_date as event_date,
        0 as credited_revenue_usd,
        1 as referrals
    from referrals
    where is_converted_as_of
),

daily_events as (
    select
        partner_id,
        event_date,
        sum(credited_revenue_usd) as credited_revenue_usd,
        sum(referrals) as referrals
    from events
    group by partner_id, event_date
),

candidate_days as (
    select
        partner_id,
        first_day as date_day
    from partners
    union
    select
        partner_id,
        {{ as_of_date() }} as date_day
    from partners
    union
    select
        partner_id,
        terminated_date as date_day
    from partners
    union
    select
        partner_id,
        event_date as date_day
    from daily_events
    union
    select
        partner_id,
        {{ add_days('event_date', trailing_days) }} as date_day
    from daily_events
),

partner_days as (
    select
        partners.partner_id,
        partners.agreement_date,
        partners.terminated_date,
        candidate_days.date_day
    from candidate_days
    inner join partners
        on
            candidate_days.partner_id = partners.partner_id
            and candidate_days.date_day >= partners.first_day
            and candidate_days.date_day <= {{ as_of_date() }}
),

windowed_sums as (
    select
        partner_days.partner_id,
        partner_days.agreement_date,
        partner_days.terminated_date,
        partner_days.date_day,
        coalesce(sum(daily_events.credited_revenue_usd), 0) as tier_revenue_usd,
        coalesce(sum(daily_events.referrals), 0) as referrals
    from partner_days
    left join daily_events
        on
            partner_days.partner_id = daily_events.partner_id
            and daily_events.event_date <= partner_days.date_day
            and daily_events.event_date
            > {{ add_days('partner_days.date_day', -trailing_days) }}
    group by
        partner_days.partner_id,
        partner_days.agreement_date,
        partner_days.terminated_date,
        partner_days.date_day
),

final as (
    select
        windowed_sums.partner_id,
        windowed_sums.date_day,
        cast(windowed_sums.tier_revenue_usd as decimal(18, 2)) as tier_revenue_usd,
        cast(windowed_sums.referrals as integer) as referrals,
        case
            when
                windowed_sums.agreement_date is null
                or windowed_sums.agreement_date > windowed_sums.date_day
                or windowed_sums.terminated_date <= windowed_sums.date_day
                then null
            when
                windowed_sums.tier_revenue_usd >= thresholds.platinum_revenue
                or windowed_sums.referrals >= thresholds.platinum_referrals
                then 'platinum'
            when
                windowed_sums.tier_revenue_usd >= thresholds.gold_revenue
                or windowed_sums.referrals >= thresholds.gold_referrals
                then 'gold'
            when
                windowed_sums.tier_revenue_usd >= thresholds.silver_revenue
                or windowed_sums.referrals >= thresholds.silver_referrals
                then 'silver'
            else 'registered'
        end as tier
    from windowed_sums
    cross join thresholds
)

select * from final
