-- Which partners each revenue line is linked to: its sourcing partner and every partner with a
-- touch in its window, with the date the link came to exist (the sourcing event, or the first
-- touch), so a restated day X only counts links dated on or before X. Used for activity and deals.
with lines as (
    select * from {{ ref('int_revenue_lines') }}
),

touches as (
    select * from {{ ref('int_line_touches') }}
),

links as (
    select
        line_id,
        sourcing_partner_id as partner_id,
        sourced_date as linked_date
    from lines
    where sourcing_partner_id is not null
    union all
    select
        line_id,
        partner_id,
        touched_date as linked_date
    from touches
),

first_links as (
    select
        line_id,
        partner_id,
        min(linked_date) as linked_date
    from links
    group by line_id, partner_id
),

final as (
    select
        first_links.partner_id,
        first_links.linked_date,
        lines.line_id,
        lines.line_kind,
        lines.created_date,
        lines.close_date,
        lines.is_won,
        lines.amount
    from first_links
    inner join lines on first_links.line_id = lines.line_id
)

select * from final
