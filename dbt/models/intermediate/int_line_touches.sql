-- The touches that count toward each revenue line: those in its influence window, same-day
-- duplicates and lapsed registrations left out (int_line_touches_classified says why each other
-- touch does not count).
with classified as (
    select * from {{ ref('int_line_touches_classified') }}
),

final as (
    select
        line_id,
        partner_id,
        touch_kind,
        touch_id,
        touched_at,
        touched_date,
        window_end_date
    from classified
    where is_counted
)

select * from final
