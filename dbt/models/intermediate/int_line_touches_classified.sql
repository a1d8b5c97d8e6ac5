-- Every touch linked to each revenue line (and every lapsed registration naming it), counted or
-- not (METRICS.md sections 2 and 10). A touch counts when it is no same-day duplicate and falls in
-- the influence window: within the window days before the close date (D while open), both ends
-- included. A same-day duplicate reads same_day_duplicate wherever it falls. A marketplace-only
-- line has exactly one touch, the transaction itself, and it counts.
with lines as (
    select * from {{ ref('int_revenue_lines') }}
),

touches as (
    select * from {{ ref('int_touches_unioned') }}
),

opportunity_touches as (
    select
        lines.line_id,
        touches.partner_id,
        touches.touch_kind,
        touches.touch_id,
        touches.touched_at,
        touches.touched_date,
        lines.window_end_date,
        case
            when touches.is_registration_lapsed then 'registration_lapsed'
            when touches.is_same_day_duplicate then 'same_day_duplicate'
            when
                touches.touched_date > lines.window_end_date
                or touches.touched_date
                < {{ add_days('lines.window_end_date', -var('influence_window_days')) }}
                then 'outside_window'
        end as excluded_reason
    from lines
    inner join touches on lines.line_id = touches.opportunity_id
    where lines.line_kind = 'opportunity'
),

marketplace_only_touches as (
    select
        line_id,
        sourcing_partner_id as partner_id,
        'marketplace' as touch_kind,
        transaction_id as touch_id,
        transaction_at as touched_at,
        cast(transaction_at as date) as touched_date,
        window_end_date,
        cast(null as {{ dbt.type_string() }}) as excluded_reason
    from lines
    where line_kind = 'marketplace_only'
),

unioned as (
    select * from opportunity_touches
    union all
    select * from marketplace_only_touches
),

final as (
    select
        *,
        excluded_reason is null as is_counted
    from unioned
)

select * from final
