-- The deals that can be a partner's first deal (METRICS.md section 4): won revenue lines it
-- sourced or influenced, closed on or after its agreement date; refunds never count. A deal counts
-- for the partner on the days it is linked to the line from the close on (history restated,
-- section 0); `counts_to` is inclusive, D when it still counts on D.
with link_periods as (
    select * from {{ ref('int_partner_line_link_periods') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

final as (
    select
        link_periods.partner_id,
        link_periods.line_id,
        link_periods.close_date as deal_date,
        greatest(link_periods.valid_from, link_periods.close_date) as counts_from,
        link_periods.valid_to as counts_to
    from link_periods
    inner join partners on link_periods.partner_id = partners.partner_id
    where
        link_periods.is_won
        and link_periods.amount >= 0
        and link_periods.close_date >= partners.agreement_date
        and link_periods.valid_to >= link_periods.close_date
)

select * from final
