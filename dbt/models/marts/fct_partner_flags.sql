-- The program's anti-patterns (METRICS.md section 7), one row per partner and flag as of D, with a
-- detail an analyst can act on and the money at stake.
{%- set trailing_days = var('revenue_trailing_days') %}
{%- set text = dbt.type_string() %}
{#- a referral without a currency is in the reporting currency (docs/decisions.md) #}
{%- set referral_currency = "coalesce(referrals.currency, '" ~ var('reporting_currency') ~ "')" %}

with partners as (
    select * from {{ ref('dim_partners') }}
),

lines as (
    select * from {{ ref('fct_opportunity_partner') }}
    where line_kind = 'opportunity'
),

registrations as (
    select * from {{ ref('int_deal_registrations_matched') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

-- the referrals converted in the trailing days (commission mismatch)
referrals as (
    select * from {{ ref('int_referrals_matched') }}
    where
        is_converted_as_of
        and converted_date > {{ add_days(as_of_date(), -trailing_days) }}
),

fx as (
    select * from {{ ref('int_fx_rates_daily') }}
),

tier_days as (
    select * from {{ ref('int_partner_tier_days') }}
),

commission_rates as (
    select * from {{ ref('commission_rates') }}
),

-- channel conflict: a direct opportunity created on an account a partner held on that day,
-- through an approved, unexpired deal registration or as the account's partner owner
account_holds as (
    select
        registrations.partner_id,
        lines.opportunity_id,
        lines.amount_usd
    from registrations
    inner join lines on registrations.account_id = lines.account_id
    where
        registrations.is_approved
        and not lines.is_partner_influenced
        and registrations.registered_date <= lines.created_date
        and lines.created_date <= coalesce(
            registrations.expires_date,
            {{ add_days('registrations.registered_date', var('registration_default_hold_days')) }}
        )
    union
    select
        accounts.partner_owner_id as partner_id,
        lines.opportunity_id,
        lines.amount_usd
    from accounts
    inner join lines on accounts.account_id = lines.account_id
    where accounts.partner_owner_id is not null and not lines.is_partner_influenced
),

channel_conflicts as (
    select
        account_holds.partner_id,
        'channel_conflict' as flag,
        'direct opportunities on accounts the partner held: '
        || {{ string_list('account_holds.opportunity_id') }}
            as detail,
        cast(sum(account_holds.amount_usd) as decimal(18, 2)) as amount_usd
    from account_holds
    inner join partners on account_holds.partner_id = partners.partner_id
    group by account_holds.partner_id
),

inactive_partners as (
    select
        partner_id,
        'inactive_partner' as flag,
        case
            when last_activity_date is null
                then 'no activity since signing on '
                    || cast(cast(agreement_signed_at as date) as {{ text }})
            else 'last activity ' || cast(days_since_last_activity as {{ text }})
                || ' days ago, on ' || cast(last_activity_date as {{ text }})
        end as detail,
        cast(null as decimal(18, 2)) as amount_usd
    from partners
    where
        is_signed
        and not is_active
        and {{ days_between('agreement_signed_at', as_of_date()) }}
        > {{ var('inactive_after_signing_days') }}
),

-- commission mismatch: what the affiliate platform reports against what the tier's rate owes
referral_commissions as (
    select
        referrals.partner_id,
        referrals.referral_id,
        {{ to_reporting_currency(
            'coalesce(referrals.revenue, 0)', referral_currency, 'fx.rate_to_reporting'
        ) }} as revenue_usd,
        {{ to_reporting_currency(
            'coalesce(referrals.commission, 0)', referral_currency, 'fx.rate_to_reporting'
        ) }} as reported_commission_usd,
        coalesce(tier_rates.commission_rate, registered_rates.commission_rate) as commission_rate
    from referrals
    inner join partners on referrals.partner_id = partners.partner_id
    left join fx
        on referrals.currency = fx.currency and referrals.converted_date = fx.rate_day
    -- the tier on the conversion date: every conversion day of a signed partner has a row there
    left join tier_days
        on
            referrals.partner_id = tier_days.partner_id
            and referrals.converted_date = tier_days.date_day
    left join commission_rates as tier_rates
        on partners.partner_type = tier_rates.partner_type and tier_days.tier = tier_rates.tier
    left join commission_rates as registered_rates
        on
            partners.partner_type = registered_rates.partner_type
            and registered_rates.tier = 'registered'
),

commission_totals as (
    select
        partner_id,
        count(*) as referrals,
        sum(round(revenue_usd * commission_rate, 2)) as owed_usd,
        sum(reported_commission_usd) as reported_usd
    from referral_commissions
    where revenue_usd is not null and reported_commission_usd is not null
    group by partner_id
),

commission_mismatches as (
    select
        partner_id,
        'commission_mismatch' as flag,
        'reported ' || cast(reported_usd as {{ text }})
        || ' against ' || cast(owed_usd as {{ text }}) || ' owed on '
        || cast(referrals as {{ text }})
        || case when referrals = 1 then ' referral' else ' referrals' end
        || ' converted in the last {{ trailing_days }} days' as detail,
        cast(reported_usd - owed_usd as decimal(18, 2)) as amount_usd
    from commission_totals
    where abs(reported_usd - owed_usd) > {{ var('commission_tolerance') }} * owed_usd
),

quadrant_mismatches as (
    select
        partner_id,
        'quadrant_mismatch' as flag,
        'in the ' || value_quadrant || ' quadrant; '
        || case when partner_type in ('affiliate', 'oem') then 'an ' else 'a ' end
        || partner_type || ' partner belongs in ' || expected_quadrant as detail,
        cast(null as decimal(18, 2)) as amount_usd
    from partners
    where quadrant_mismatch
),

final as (
    select * from channel_conflicts
    union all
    select * from inactive_partners
    union all
    select * from commission_mismatches
    union all
    select * from quadrant_mismatches
)

select * from final
