-- The CRM's logged touches, each with its partner id and its time:
-- - a touch that names its partner by name (a Salesforce report's "Partner" column) gets the id
--   of the one partner (of int_partners, so partner accounts too) whose name is the same ignoring
--   case and spaces. A name that matches no partner, or several, stays without a partner id
--   (never guessed) and is listed in audit_unmatched_partner_names.
-- - a touch exported without a time (a relationship row: OpportunityPartner, AccountPartner, a
--   report row, without a CreatedDate) is at its opportunity's creation time; on an opportunity
--   not known as of D it has no time and counts nowhere.
with touches as (
    select * from {{ ref('stg_crm__partner_touches') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

partner_names as (
    select
        {{ name_key('partner_name') }} as name_key,
        min(partner_id) as partner_id,
        count(*) as partners_with_name
    from partners
    group by {{ name_key('partner_name') }}
),

final as (
    select
        touches.touch_id,
        touches.opportunity_id,
        coalesce(
            touches.partner_id,
            case when partner_names.partners_with_name = 1 then partner_names.partner_id end
        ) as partner_id,
        touches.partner_name,
        touches.touch_kind,
        coalesce(touches.touched_at, opportunities.created_at) as touched_at,
        coalesce(touches.touched_date, opportunities.created_date) as touched_date
    from touches
    left join partner_names
        on
            touches.partner_id is null
            and {{ name_key('touches.partner_name') }} = partner_names.name_key
    left join opportunities on touches.opportunity_id = opportunities.opportunity_id
)

select * from final
