-- Each partner's tier as of the days it can change (METRICS.md section 5), with the rules at each
-- day X applied to everything dated on or before X (section 0): tier revenue = the program credits
-- on X of lines won in the trailing days up to X; referrals = approved deal registrations (by
-- registration date) + converted affiliate referrals (by conversion date) in the same days. The
-- highest tier reached wins (seed partner_tiers, macro tier_for); every signed partner is at least
-- registered; a day it is not signed on (a prospect, or after termination) has tier revenue and
-- referrals but no tier.
-- A won line's program credit on X: 1 to the partner sourcing it on X (int_line_sourcing_periods),
-- and before any sourcing event (e.g. a marketplace transaction booked after the close) the
-- fallback split over its window touches, as computed at D. Each credit is a period of days;
-- tier revenue and referrals are running sums of what enters (+) and leaves (-) on each day, so
-- rows exist for the days something changes (and for signing, termination and D), and the tier
-- on any other day is the one of the latest row on or before it. Every referral conversion day of
-- a signed partner has a row.
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

lines as (
    select * from {{ ref('int_revenue_lines') }}
    where is_won and revenue_usd is not null
),

sourcing_periods as (
    select * from {{ ref('int_line_sourcing_periods') }}
),

touch_periods as (
    select * from {{ ref('int_line_touch_periods') }}
),

credited_revenue as (
    select * from {{ ref('int_attribution_credited_revenue') }}
    where model = '{{ var("program_fallback_model") }}'
),

registrations as (
    select * from {{ ref('int_deal_registrations_matched') }}
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

-- from the close on: the first day the line is sourced, and the first day a window touch counts
first_sourced as (
    select
        sourcing_periods.line_id,
        min(greatest(sourcing_periods.valid_from, lines.close_date)) as sourced_from
    from sourcing_periods
    inner join lines on sourcing_periods.line_id = lines.line_id
    where sourcing_periods.valid_to >= lines.close_date
    group by sourcing_periods.line_id
),

first_touched as (
    select
        touch_periods.line_id,
        min(touch_periods.counts_from) as touched_from
    from touch_periods
    inner join lines on touch_periods.line_id = lines.line_id
    where touch_periods.counts_from >= lines.close_date
    group by touch_periods.line_id
),

-- the days each partner holds a line's credit: the sourcing partner on the days it sources the
-- line, the fallback split from the first counted touch until the line is first sourced
credit_periods as (
    select
        sourcing_periods.sourcing_partner_id as partner_id,
        lines.close_date,
        lines.revenue_usd as credited_revenue_usd,
        greatest(sourcing_periods.valid_from, lines.close_date) as credited_from,
        sourcing_periods.valid_to as credited_to
    from sourcing_periods
    inner join lines on sourcing_periods.line_id = lines.line_id
    where sourcing_periods.valid_to >= lines.close_date
    union all
    select
        credited_revenue.partner_id,
        lines.close_date,
        credited_revenue.credited_revenue_usd,
        first_touched.touched_from as credited_from,
        coalesce(
            {{ add_days('first_sourced.sourced_from', -1) }}, {{ as_of_date() }}
        ) as credited_to
    from credited_revenue
    inner join lines on credited_revenue.line_id = lines.line_id
    inner join first_touched on credited_revenue.line_id = first_touched.line_id
    left join first_sourced on credited_revenue.line_id = first_sourced.line_id
    where
        credited_revenue.credited_revenue_usd is not null
        and (
            first_sourced.sourced_from is null
            or first_touched.touched_from < first_sourced.sourced_from
        )
),

-- what enters the trailing window (+) and leaves it (-), by day; a credit leaves when it moves to
-- another partner or its line's close date leaves the window
credit_bounds as (
    select
        partner_id,
        credited_revenue_usd,
        credited_from,
        least(
            credited_to, {{ add_days('close_date', trailing_days - 1) }}
        ) as credited_until
    from credit_periods
),

referral_events as (
    select
        partner_id,
        registered_date as event_date
    from registrations
    where is_approved
    union all
    select
        partner_id,
        converted_date as event_date
    from referrals
    where is_converted_as_of
),

changes as (
    select
        partner_id,
        credited_from as change_day,
        credited_revenue_usd as revenue_change,
        0 as referral_change
    from credit_bounds
    where credited_from <= credited_until
    union all
    select
        partner_id,
        {{ add_days('credited_until', 1) }} as change_day,
        -credited_revenue_usd as revenue_change,
        0 as referral_change
    from credit_bounds
    where credited_from <= credited_until
    union all
    select
        partner_id,
        event_date as change_day,
        0 as revenue_change,
        1 as referral_change
    from referral_events
    union all
    select
        partner_id,
        {{ add_days('event_date', trailing_days) }} as change_day,
        0 as revenue_change,
        -1 as referral_change
    from referral_events
),

-- changes before a partner's first day fold into it; changes after D are not yet
daily_changes as (
    select
        changes.partner_id,
        greatest(changes.change_day, partners.first_day) as date_day,
        sum(changes.revenue_change) as revenue_change,
        sum(changes.referral_change) as referral_change
    from changes
    inner join partners on changes.partner_id = partners.partner_id
    where changes.change_day <= {{ as_of_date() }}
    group by changes.partner_id, greatest(changes.change_day, partners.first_day)
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
    where terminated_date <= {{ as_of_date() }}
    union
    select
        partner_id,
        date_day
    from daily_changes
),

windowed_sums as (
    select
        candidate_days.partner_id,
        partners.agreement_date,
        partners.terminated_date,
        candidate_days.date_day,
        coalesce(sum(daily_changes.revenue_change) over partner_history, 0) as tier_revenue_usd,
        coalesce(sum(daily_changes.referral_change) over partner_history, 0) as referrals
    from candidate_days
    inner join partners
        on
            candidate_days.partner_id = partners.partner_id
            and candidate_days.date_day >= partners.first_day
    left join daily_changes
        on
            candidate_days.partner_id = daily_changes.partner_id
            and candidate_days.date_day = daily_changes.date_day
    window partner_history as (
        partition by candidate_days.partner_id
        order by candidate_days.date_day
        rows between unbounded preceding and current row
    )
),

final as (
    select
        windowed_sums.partner_id,
        windowed_sums.date_day,
        cast(windowed_sums.tier_revenue_usd as {{ money_type() }}) as tier_revenue_usd,
        cast(windowed_sums.referrals as integer) as referrals,
        case
            when
                windowed_sums.agreement_date is null
                or windowed_sums.agreement_date > windowed_sums.date_day
                or windowed_sums.terminated_date <= windowed_sums.date_day
                then null
            else {{ tier_for('windowed_sums.tier_revenue_usd', 'windowed_sums.referrals') }}
        end as tier
    from windowed_sums
)

select * from final
