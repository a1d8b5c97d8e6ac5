-- One row per partner as of D: who it is, whether it is signed and active, its first deal, its
-- tier, where it sits in the value matrix, its lifecycle stage and next period's co-marketing
-- budget (METRICS.md sections 1, 4, 5, 6); its tier outlook, its type's key metric and how its
-- time to first deal compares with its type's typical time to value (sections 5 and 8).
{%- set trailing_days = var('tier_trailing_days') %}

with partners as (
    select * from {{ ref('int_partners') }}
),

partner_today as (
    select * from {{ ref('int_partner_days') }}
    where date_day = {{ as_of_date() }}
),

tier_today as (
    select * from {{ ref('int_partner_tier_days') }}
    where date_day = {{ as_of_date() }}
),

credited_revenue as (
    select * from {{ ref('int_attribution_credited_revenue') }}
),

potential as (
    select * from {{ ref('int_partner_pipeline_potential') }}
),

tiers as (
    select * from {{ ref('partner_tiers') }}
),

tier_outlook as (
    select * from {{ ref('int_partner_tier_outlook') }}
),

key_metrics as (
    select * from {{ ref('int_partner_key_metrics') }}
),

partner_types as (
    select * from {{ ref('partner_types') }}
),

-- tier revenue of the trailing window before this one: (D - 2 × window, D - window]
previous_revenue as (
    select
        partner_id,
        cast(sum(credited_revenue_usd) as {{ money_type() }}) as previous_tier_revenue_usd
    from credited_revenue
    where
        model = 'program'
        and is_won
        and close_date > {{ add_days(as_of_date(), -2 * trailing_days) }}
        and close_date <= {{ add_days(as_of_date(), -trailing_days) }}
    group by partner_id
),

assembled as (
    select
        partners.partner_id,
        partners.partner_name,
        partners.partner_type,
        partners.is_marketplace,
        partner_today.is_signed,
        partners.agreement_signed_at,
        tier_today.tier,
        coalesce(tier_today.tier_revenue_usd, 0) as tier_revenue_usd,
        coalesce(tier_today.referrals, 0) as referrals_t12m,
        coalesce(previous_revenue.previous_tier_revenue_usd, 0) as previous_tier_revenue_usd,
        partner_today.is_active,
        partner_today.last_activity_date,
        partner_today.first_deal_date,
        partner_today.days_to_first_deal,
        potential.pipeline_potential,
        partners.strategic_value_score,
        greatest(
            {{ var('strategic_value_score_min') }},
            least(
                {{ var('strategic_value_score_max') }},
                coalesce(partners.strategic_value_score, 1.0)
            )
        ) as clamped_strategic_value_score,
        tiers.base_budget_usd,
        partner_today.latest_nps_score,
        partners.partner_manager,
        partners.region,
        tiers.tier_benefits,
        tier_outlook.tier_outlook as tier_outlook_90d,
        key_metrics.key_metric,
        key_metrics.key_metric_value,
        partner_today.days_since_agreement,
        partner_types.time_to_value_min_days,
        partner_types.time_to_value_max_days
    from partners
    inner join partner_today on partners.partner_id = partner_today.partner_id
    left join tier_today on partners.partner_id = tier_today.partner_id
    left join previous_revenue on partners.partner_id = previous_revenue.partner_id
    left join potential on partners.partner_id = potential.partner_id
    left join tiers on tier_today.tier = tiers.tier
    left join tier_outlook on partners.partner_id = tier_outlook.partner_id
    left join key_metrics on partners.partner_id = key_metrics.partner_id
    left join partner_types on partners.partner_type = partner_types.partner_type
),

classified as (
    select
        *,
        case
            when
                coalesce(strategic_value_score, 1.0)
                >= {{ var('quadrant_strategic_score_threshold') }}
                then
                    case
                        when tier_revenue_usd >= {{ var('quadrant_revenue_threshold_usd') }}
                            then 'strategic_alliance'
                        else 'technology'
                    end
            when tier_revenue_usd >= {{ var('quadrant_revenue_threshold_usd') }} then 'channel'
            else 'affiliate'
        end as value_quadrant,
        case
            when partner_type in ('reseller', 'oem') then 'channel'
            else partner_type
        end as expected_quadrant
    from assembled
),

final as (
    select
        partner_id,
        partner_name,
        partner_type,
        is_marketplace,
        is_signed,
        agreement_signed_at,
        tier,
        tier_revenue_usd,
        referrals_t12m,
        value_quadrant,
        expected_quadrant,
        is_signed and value_quadrant != expected_quadrant as quadrant_mismatch,
        case
            when not is_signed then 'identify'
            when first_deal_date is null then 'activate'
            when
                not is_active
                or (
                    previous_tier_revenue_usd > 0
                    and tier_revenue_usd
                    <= previous_tier_revenue_usd * (1 - {{ var('lifecycle_review_revenue_drop') }})
                )
                then 'review'
            when tier in ('gold', 'platinum') then 'expand'
            else 'scale'
        end as lifecycle_stage,
        is_active,
        last_activity_date,
        {{ days_between('last_activity_date', as_of_date()) }} as days_since_last_activity,
        first_deal_date as first_deal_closed_at,
        days_to_first_deal,
        pipeline_potential,
        strategic_value_score,
        case
            when is_signed
                then cast(
                        round(
                            base_budget_usd * pipeline_potential * clamped_strategic_value_score, 2
                        ) as {{ money_type() }}
                    )
        end as comarketing_budget_usd,
        previous_tier_revenue_usd,
        latest_nps_score,
        partner_manager,
        region,
        tier_benefits,
        tier_outlook_90d,
        key_metric,
        key_metric_value,
        -- days from signing to the first deal against the type's [min, max] (section 8)
        case
            when not is_signed then null
            when days_to_first_deal < time_to_value_min_days then 'ahead'
            when days_to_first_deal <= time_to_value_max_days then 'on_time'
            when days_to_first_deal is not null then 'late'
            when days_since_agreement <= time_to_value_max_days then 'waiting'
            else 'overdue'
        end as time_to_value_status
    from classified
)

select * from final
