-- Each partner's tier on every day X from its signing to D (METRICS.md section 5), with
-- the rules at X: tier revenue = program-credited revenue of lines won in the trailing days up to
-- X; referrals = approved deal registrations (by registration date) + converted affiliate
-- referrals (by conversion date) in the same days. The highest tier reached wins (seed
-- partner_tiers); every signed partner is at least registered; a day it is not signed on (a
-- prospect, or after termination) has tier revenue and referrals but no tier.
{%- set trailing_days = var('tier_trailing_days') %}

-- Every partner gets a row for D at least; a signed partner one for each day since signing.
with partners as (
    select
        *,
        least(coalesce(agreement_date, {{ as_of_date() }}), {{ as_of_date() }}) as first_day
    from {{ ref('int_partners') }}
),

tiers as (
    select * from {{ ref('partner_tiers') }}
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

daily_revenue as (
    select
        partner_id,
        close_date as event_date,
        sum(credited_revenue_usd) as credited_revenue_usd
    from {{ ref('int_attribution_credited') }}
    where model = 'program' and is_won and credited_revenue_usd is not null
    group by partner_id, close_date
),

referral_events as (
    select
        partner_id,
        registered_date as event_date
    from {{ ref('int_deal_registrations_matched') }}
    where is_approved
    union all
    select
        partner_id,
        converted_date as event_date
    from {{ ref('int_referrals_matched') }}
    where is_converted_as_of
),

daily_referrals as (
    select
        partner_id,
        event_date,
        count(*) as referrals
    from referral_events
    group by partner_id, event_date
),

-- every day from one trailing window before signing (so the first day's sums are complete) to D
spine as (
    {{ date_spine(
        add_days('(select min(first_day) from partners)', -(trailing_days - 1)),
        as_of_date()
    ) }}
),

partner_spine as (
    select
        partners.partner_id,
        partners.first_day,
        partners.agreement_date,
        partners.terminated_date,
        spine.date_day
    from partners
    inner join spine
        on spine.date_day >= {{ add_days('partners.first_day', -(trailing_days - 1)) }}
),

rolling as (
    select
        partner_spine.partner_id,
        partner_spine.first_day,
        partner_spine.agreement_date,
        partner_spine.terminated_date,
        partner_spine.date_day,
        sum(coalesce(daily_revenue.credited_revenue_usd, 0)) over trailing_window
            as tier_revenue_usd,
        sum(coalesce(daily_referrals.referrals, 0)) over trailing_window as referrals
    from partner_spine
    left join daily_revenue
        on
            partner_spine.partner_id = daily_revenue.partner_id
            and partner_spine.date_day = daily_revenue.event_date
    left join daily_referrals
        on
            partner_spine.partner_id = daily_referrals.partner_id
            and partner_spine.date_day = daily_referrals.event_date
    window trailing_window as (
        partition by partner_spine.partner_id
        order by partner_spine.date_day
        rows between {{ trailing_days - 1 }} preceding and current row
    )
),

final as (
    select
        rolling.partner_id,
        rolling.date_day,
        cast(rolling.tier_revenue_usd as decimal(18, 2)) as tier_revenue_usd,
        cast(rolling.referrals as integer) as referrals,
        case
            when
                rolling.agreement_date is null
                or rolling.agreement_date > rolling.date_day
                or rolling.terminated_date <= rolling.date_day
                then null
            when rolling.tier_revenue_usd >= thresholds.platinum_revenue
                or rolling.referrals >= thresholds.platinum_referrals
                then 'platinum'
            when rolling.tier_revenue_usd >= thresholds.gold_revenue
                or rolling.referrals >= thresholds.gold_referrals
                then 'gold'
            when rolling.tier_revenue_usd >= thresholds.silver_revenue
                or rolling.referrals >= thresholds.silver_referrals
                then 'silver'
            else 'registered'
        end as tier
    from rolling
    cross join thresholds
    where rolling.date_day >= rolling.first_day
)

select * from final
