-- The partner that sources each opportunity as of D, if any (METRICS.md section 2): the sourcing
-- period that holds on D (int_line_sourcing_periods, where the precedence lives).
with sourcing_periods as (
    select * from {{ ref('int_line_sourcing_periods') }}
),

opportunities as (
    select opportunity_id from {{ ref('int_opportunities_valued') }}
),

final as (
    select
        opportunities.opportunity_id,
        sourcing_periods.sourcing_partner_id,
        sourcing_periods.source_rule,
        sourcing_periods.source_event_id,
        sourcing_periods.source_event_at,
        cast(sourcing_periods.source_event_at as date) as source_event_date
    from sourcing_periods
    inner join opportunities on sourcing_periods.line_id = opportunities.opportunity_id
    where
        sourcing_periods.valid_from <= {{ as_of_date() }}
        and sourcing_periods.valid_to >= {{ as_of_date() }}
)

select * from final
