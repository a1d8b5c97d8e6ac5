-- Each partner's state on each day X of the KPI series (the last kpi_series_days days up to D),
-- with the rules applied at X to everything dated on or before X (METRICS.md section 0):
-- signed, active, first deal and latest NPS score. program_kpis aggregates it; dim_partners reads
-- the row of D, so both tell the same story.
-- An activity or deal counts on the days of its period (int_partner_activity_events,
-- int_partner_won_deals). Most periods last through D: a running max / min, fed on the day each
-- starts (earlier ones folded into the series' first day). The few that end before D (a touch
-- leaving a still-open opportunity's window) are evaluated on the days their periods start or end
-- and carried to the days between. The running aggregates run over each partner's change days
-- only, and each day of the series then takes the state of its stretch between two change days:
-- the cost grows with partners x days (the rows written) plus events, not with events x days.
{%- set series_days = var('kpi_series_days') %}
{%- set activity_days = var('activity_window_days') %}
{%- set nps_days = var('nps_window_days') %}
{%- set series_start = add_days(as_of_date(), -(series_days - 1)) %}

with partners as (
    select * from {{ ref('int_partners') }}
),

activity_events as (
    select * from {{ ref('int_partner_activity_events') }}
),

won_deals as (
    select * from {{ ref('int_partner_won_deals') }}
),

survey_responses as (
    select * from {{ ref('stg_surveys__partner_nps') }}
),

series_days as (
    {{ date_spine(series_start, as_of_date()) }}
),

activity_known as (
    select
        partner_id,
        greatest(counts_from, {{ series_start }}) as known_day,
        max(activity_date) as latest_activity_date
    from activity_events
    where counts_to = {{ as_of_date() }}
    group by partner_id, greatest(counts_from, {{ series_start }})
),

deals_known as (
    select
        partner_id,
        greatest(counts_from, {{ series_start }}) as known_day,
        min(deal_date) as earliest_deal_date
    from won_deals
    where counts_to = {{ as_of_date() }}
    group by partner_id, greatest(counts_from, {{ series_start }})
),

-- periods ending before D: the days where one starts or ends, and what counts on each
passing_activity as (
    select * from activity_events
    where counts_to < {{ as_of_date() }} and counts_to >= {{ series_start }}
),

passing_deals as (
    select * from won_deals
    where counts_to < {{ as_of_date() }} and counts_to >= {{ series_start }}
),

breakpoints as (
    select
        partner_id,
        greatest(counts_from, {{ series_start }}) as breakpoint_day
    from passing_activity
    union
    select
        partner_id,
        {{ add_days('counts_to', 1) }} as breakpoint_day
    from passing_activity
    union
    select
        partner_id,
        greatest(counts_from, {{ series_start }}) as breakpoint_day
    from passing_deals
    union
    select
        partner_id,
        {{ add_days('counts_to', 1) }} as breakpoint_day
    from passing_deals
),

passing_activity_at as (
    select
        breakpoints.partner_id,
        breakpoints.breakpoint_day,
        max(passing_activity.activity_date) as latest_activity_date
    from breakpoints
    left join passing_activity
        on
            breakpoints.partner_id = passing_activity.partner_id
            and passing_activity.counts_from <= breakpoints.breakpoint_day
            and passing_activity.counts_to >= breakpoints.breakpoint_day
    group by breakpoints.partner_id, breakpoints.breakpoint_day
),

-- what is passing at each breakpoint (and so on every day until the next one)
passing_at as (
    select
        passing_activity_at.partner_id,
        passing_activity_at.breakpoint_day,
        passing_activity_at.latest_activity_date,
        min(passing_deals.deal_date) as earliest_deal_date
    from passing_activity_at
    left join passing_deals
        on
            passing_activity_at.partner_id = passing_deals.partner_id
            and passing_deals.counts_from <= passing_activity_at.breakpoint_day
            and passing_deals.counts_to >= passing_activity_at.breakpoint_day
    group by
        passing_activity_at.partner_id,
        passing_activity_at.breakpoint_day,
        passing_activity_at.latest_activity_date
),

-- responses in the order they were given; the latest one on or before X is the partner's latest
-- score, when it is inside the NPS window
nps_responses as (
    select
        responses.partner_id,
        responses.responded_date,
        responses.score,
        row_number() over (
            partition by responses.partner_id
            order by responses.responded_at, responses.response_id
        ) as response_sequence
    from survey_responses as responses
    inner join partners on responses.partner_id = partners.partner_id
    where responses.responded_date <= {{ as_of_date() }}
),

nps_known as (
    select
        partner_id,
        greatest(responded_date, {{ series_start }}) as known_day,
        max(response_sequence) as latest_response_sequence
    from nps_responses
    group by partner_id, greatest(responded_date, {{ series_start }})
),

-- the days a partner's state can change: the series' first day, and each day something starts
-- counting (an activity, a deal, a response) or a passing period starts or ends
change_days as (
    select
        partner_id,
        {{ series_start }} as change_day
    from partners
    union
    select
        partner_id,
        known_day as change_day
    from activity_known
    union
    select
        partner_id,
        known_day as change_day
    from deals_known
    union
    select
        partner_id,
        known_day as change_day
    from nps_known
    union
    select
        partner_id,
        breakpoint_day as change_day
    from breakpoints
),

-- the state from each change day until the next one: running max / min over the few change days
-- of a partner, not over all its days of the series (DuckDB's running window over partners x
-- days was most of this model's time)
partner_changes as (
    select
        change_days.partner_id,
        change_days.change_day,
        {{ add_days(
            'lead(change_days.change_day) over (
                partition by change_days.partner_id order by change_days.change_day
            )',
            -1
        ) }} as last_day,
        max(activity_known.latest_activity_date) over partner_history as last_activity_date,
        min(deals_known.earliest_deal_date) over partner_history as first_deal_date,
        max(nps_known.latest_response_sequence) over partner_history as latest_response_sequence,
        max(breakpoints.breakpoint_day) over partner_history as breakpoint_day
    from change_days
    left join activity_known
        on
            change_days.partner_id = activity_known.partner_id
            and change_days.change_day = activity_known.known_day
    left join deals_known
        on
            change_days.partner_id = deals_known.partner_id
            and change_days.change_day = deals_known.known_day
    left join nps_known
        on
            change_days.partner_id = nps_known.partner_id
            and change_days.change_day = nps_known.known_day
    left join breakpoints
        on
            change_days.partner_id = breakpoints.partner_id
            and change_days.change_day = breakpoints.breakpoint_day
    window partner_history as (
        partition by change_days.partner_id
        order by change_days.change_day
        rows between unbounded preceding and current row
    )
),

-- what lasts through D and what is passing, together, with the latest response
partner_states as (
    select
        partner_changes.partner_id,
        partner_changes.change_day,
        coalesce(partner_changes.last_day, {{ as_of_date() }}) as last_day,
        greatest(partner_changes.last_activity_date, passing_at.latest_activity_date)
            as last_activity_date,
        least(partner_changes.first_deal_date, passing_at.earliest_deal_date) as first_deal_date,
        nps_responses.responded_date as latest_responded_date,
        nps_responses.score as latest_score
    from partner_changes
    left join passing_at
        on
            partner_changes.partner_id = passing_at.partner_id
            and partner_changes.breakpoint_day = passing_at.breakpoint_day
    left join nps_responses
        on
            partner_changes.partner_id = nps_responses.partner_id
            and partner_changes.latest_response_sequence = nps_responses.response_sequence
),

-- each day of the series gets the state of its stretch
partner_days as (
    select
        series_days.date_day,
        partners.partner_id,
        partners.agreement_date,
        coalesce(
            partners.agreement_date <= series_days.date_day
            and (
                partners.terminated_date is null
                or partners.terminated_date > series_days.date_day
            ),
            false
        ) as is_signed,
        partner_states.last_activity_date,
        partner_states.first_deal_date,
        partner_states.latest_responded_date,
        partner_states.latest_score
    from partner_states
    inner join series_days
        on
            series_days.date_day >= partner_states.change_day
            and series_days.date_day <= partner_states.last_day
    inner join partners on partner_states.partner_id = partners.partner_id
),

final as (
    select
        date_day,
        partner_id,
        is_signed,
        coalesce(
            is_signed
            and last_activity_date > {{ add_days('date_day', -activity_days) }},
            false
        ) as is_active,
        last_activity_date,
        first_deal_date,
        {{ days_between('agreement_date', 'first_deal_date') }} as days_to_first_deal,
        {{ days_between('agreement_date', 'date_day') }} as days_since_agreement,
        case
            when latest_responded_date > {{ add_days('date_day', -nps_days) }}
                then latest_score
        end as latest_nps_score
    from partner_days
)

select * from final
