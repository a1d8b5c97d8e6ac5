-- The touches that count toward each revenue line: those in its influence window, i.e. within
-- the window days before the close date (D while open), both ends included. A marketplace-only
-- line has exactly one touch, the transaction itself.
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
        lines.window_end_date
    from lines
    inner join touches on lines.line_id = touches.opportunity_id
    where
        lines.line_kind = 'opportunity'
        and touches.touched_date <= lines.window_end_date
        and touches.touched_date
        >= {{ add_days('lines.window_end_date', -var('influence_window_days')) }}
),

marketplace_only_touches as (
    select
        line_id,
        sourcing_partner_id as partner_id,
        'marketplace' as touch_kind,
        transaction_id as touch_id,
        transaction_at as touched_at,
        cast(transaction_at as date) as touched_date,
        window_end_date
    from lines
    where line_kind = 'marketplace_only'
),

final as (
    select * from opportunity_touches
    union all
    select * from marketplace_only_touches
)

select * from final
