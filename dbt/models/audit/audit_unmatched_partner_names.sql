-- Partner names on CRM touches (a Salesforce report names partners by account name) that match no
-- partner, or several, ignoring case and spaces: their touches count for no partner until the
-- name is fixed in the CRM or the partner is added.
with touches as (
    select * from {{ ref('int_partner_touches_resolved') }}
    where partner_id is null
),

partners as (
    select * from {{ ref('int_partners') }}
),

final as (
    select
        touches.partner_name,
        count(distinct touches.touch_id) as touches,
        count(distinct partners.partner_id) as partners_with_name
    from touches
    left join partners
        on {{ name_key('touches.partner_name') }} = {{ name_key('partners.partner_name') }}
    group by touches.partner_name
)

select * from final
