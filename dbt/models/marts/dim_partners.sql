-- One row per partner as of D: who it is, whether it is signed and active, and its first deal.
with partners as (
    select * from {{ ref('int_partners') }}
),

partner_today as (
    select * from {{ ref('int_partner_days') }}
    where date_day = {{ as_of_date() }}
),

final as (
    select
        partners.partner_id,
        partners.partner_name,
        partners.partner_type,
        partners.is_marketplace,
        partner_today.is_signed,
        partners.agreement_signed_at,
        partner_today.is_active,
        partner_today.last_activity_date,
        {{ days_between('partner_today.last_activity_date', as_of_date()) }}
            as days_since_last_activity,
        partner_today.first_deal_date as first_deal_closed_at,
        partner_today.days_to_first_deal,
        partners.strategic_value_score,
        partner_today.latest_nps_score
    from partners
    inner join partner_today on partners.partner_id = partner_today.partner_id
)

select * from final
