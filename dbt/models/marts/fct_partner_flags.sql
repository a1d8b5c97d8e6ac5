-- The program's anti-patterns (METRICS.md section 7), one row per partner and flag as of D, with a
-- detail an analyst reads, the money at stake, the date the condition started and the ids a
-- worklist needs (the opportunities, referrals, fund requests or NPS response behind the flag).
{%- set trailing_days = var('revenue_trailing_days') %}
{%- set conflict_days = var('channel_conflict_trailing_days') %}
{%- set one_sided_days = var('one_sided_value_trailing_days') %}
{%- set forget_days = var('set_and_forget_days') %}
{%- set text = dbt.type_string() %}
{%- set no_ids = 'cast(null as ' ~ id_list_type() ~ ')' %}
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

-- the referrals converted as of D
referrals as (
    select * from {{ ref('int_referrals_matched') }}
    where is_converted_as_of
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

credited_revenue as (
    select * from {{ ref('int_attribution_credited_revenue') }}
    where model = 'program'
),

mdf_spend as (
    select * from {{ ref('int_mdf_spend') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

installs as (
    select * from {{ ref('int_integration_installs_matched') }}
),

engagements as (
    select * from {{ ref('int_partner_engagements') }}
),

survey_responses as (
    select * from {{ ref('stg_surveys__partner_nps') }}
),

signed_partners as (
    select
        *,
        cast(agreement_signed_at as date) as agreement_date
    from partners
    where is_signed
),

-- channel conflict: a direct opportunity created in the trailing days on an account a partner
-- held on its creation date, through an approved, unexpired deal registration or as the account's
-- partner owner
direct_opportunities as (
    select *
    from lines
    where
        not is_partner_influenced
        and created_date > {{ add_days(as_of_date(), -conflict_days) }}
        and created_date <= {{ as_of_date() }}
),

account_holds as (
    select
        registrations.partner_id,
        direct_opportunities.opportunity_id
    from registrations
    inner join direct_opportunities
        on registrations.account_id = direct_opportunities.account_id
    where
        registrations.is_approved
        and registrations.registered_date <= direct_opportunities.created_date
        and direct_opportunities.created_date <= coalesce(
            registrations.expires_date,
            {{ add_days('registrations.registered_date', var('registration_default_hold_days')) }}
        )
    union
    select
        accounts.partner_owner_id as partner_id,
        direct_opportunities.opportunity_id
    from accounts
    inner join direct_opportunities on accounts.account_id = direct_opportunities.account_id
    where accounts.partner_owner_id is not null
),

conflicts as (
    select
        account_holds.partner_id,
        direct_opportunities.opportunity_id,
        direct_opportunities.created_date,
        direct_opportunities.amount_usd,
        direct_opportunities.is_closed and not direct_opportunities.is_won as is_lost
    from account_holds
    inner join direct_opportunities
        on account_holds.opportunity_id = direct_opportunities.opportunity_id
    inner join partners on account_holds.partner_id = partners.partner_id
),

channel_conflicts as (
    select
        partner_id,
        'channel_conflict' as flag,
        'direct opportunities on accounts the partner held: '
        || {{ string_list('opportunity_id') }}
        || case
            when sum(case when is_lost then 1 else 0 end) > 0
                then ' (' || cast(sum(case when is_lost then 1 else 0 end) as {{ text }})
                    || ' closed lost, not in the amount)'
            else ''
        end as detail,
        -- the money still at stake or taken direct; 0 when every one was lost
        cast(coalesce(sum(case when not is_lost then amount_usd end), 0) as {{ money_type() }})
            as amount_usd,
        min(created_date) as condition_started_on,
        {{ id_list('opportunity_id') }} as related_ids
    from conflicts
    group by partner_id
),

-- inactive since the day its last activity left the activity window (or since it was signed for
-- longer than the inactivity threshold, when that came later)
inactive_partners as (
    select
        partner_id,
        'inactive_partner' as flag,
        case
            when last_activity_date is null
                then 'no activity since signing on ' || cast(agreement_date as {{ text }})
            else 'last activity ' || cast(days_since_last_activity as {{ text }})
                || ' days ago, on ' || cast(last_activity_date as {{ text }})
        end as detail,
        cast(null as {{ money_type() }}) as amount_usd,
        greatest(
            coalesce(
                {{ add_days('last_activity_date', var('activity_window_days')) }},
                agreement_date
            ),
            {{ add_days('agreement_date', var('inactive_after_signing_days') + 1) }}
        ) as condition_started_on,
        {{ no_ids }} as related_ids
    from signed_partners
    where
        not is_active
        and {{ days_between('agreement_date', as_of_date()) }}
        > {{ var('inactive_after_signing_days') }}
),

-- commission mismatch: what the affiliate platform reports against what the tier's rate owes
referral_commissions as (
    select
        referrals.partner_id,
        referrals.referral_id,
        referrals.converted_date,
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
    where referrals.converted_date > {{ add_days(as_of_date(), -trailing_days) }}
),

commission_totals as (
    -- a referral whose revenue or commission has no usable rate stays out of both sums and is
    -- named in the detail (never silently dropped)
    select
        partner_id,
        sum(case when is_converted then 1 else 0 end) as referrals,
        sum(case when is_converted then 0 else 1 end) as unconverted_referrals,
        sum(case when is_converted then round(revenue_usd * commission_rate, 2) end) as owed_usd,
        sum(case when is_converted then reported_commission_usd end) as reported_usd,
        min(case when is_converted then converted_date end) as first_converted_date,
        {{ id_list('referral_id') }} as referral_ids
    from (
        select
            *,
            revenue_usd is not null and reported_commission_usd is not null as is_converted
        from referral_commissions
    ) as referral_amounts
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
        || ' converted in the last {{ trailing_days }} days'
        || case
            when unconverted_referrals = 1 then '; 1 referral left out: no fx rate'
            when unconverted_referrals > 1
                then '; ' || cast(unconverted_referrals as {{ text }})
                    || ' referrals left out: no fx rate'
            else ''
        end as detail,
        cast(reported_usd - owed_usd as {{ money_type() }}) as amount_usd,
        first_converted_date as condition_started_on,
        referral_ids as related_ids
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
        cast(null as {{ money_type() }}) as amount_usd,
        cast(null as date) as condition_started_on,
        {{ no_ids }} as related_ids
    from partners
    where quadrant_mismatch
),

-- one-sided value: what each signed partner gave and got over the trailing days, each by its date
given_revenue as (
    select
        partner_id,
        sum(credited_revenue_usd) as credited_revenue_usd
    from credited_revenue
    where
        is_won
        and close_date > {{ add_days(as_of_date(), -one_sided_days) }}
        and close_date <= {{ as_of_date() }}
    group by partner_id
),

given_events as (
    select partner_id
    from registrations
    where
        is_approved
        and registered_date > {{ add_days(as_of_date(), -one_sided_days) }}
        and registered_date <= {{ as_of_date() }}
    union
    select partner_id
    from referrals
    where converted_date > {{ add_days(as_of_date(), -one_sided_days) }}
    union
    select partner_id
    from installs
    where
        installed_date > {{ add_days(as_of_date(), -one_sided_days) }}
        and installed_date <= {{ as_of_date() }}
),

received_mdf as (
    -- spent money, dated by its spend date (a spend without a usable rate still counts as spent)
    select
        partner_id,
        count(*) as requests,
        sum(spent_usd) as spent_usd,
        sum(case when spent_usd is null then 1 else 0 end) as unconverted_requests,
        min(spend_date) as first_spend_date,
        {{ id_list('request_id') }} as request_ids
    from mdf_spend
    where
        spent_amount > 0
        and spend_date > {{ add_days(as_of_date(), -one_sided_days) }}
    group by partner_id
),

received_campaigns as (
    select distinct partner_id
    from campaigns
    where
        partner_id is not null
        and start_date > {{ add_days(as_of_date(), -one_sided_days) }}
        and start_date <= {{ as_of_date() }}
),

exchange as (
    select
        signed_partners.partner_id,
        coalesce(given_revenue.credited_revenue_usd, 0) as credited_revenue_usd,
        given_events.partner_id is not null as gave_events,
        received_mdf.partner_id is not null as received_mdf,
        received_campaigns.partner_id is not null as received_campaign,
        received_mdf.requests,
        received_mdf.spent_usd,
        received_mdf.unconverted_requests,
        received_mdf.first_spend_date,
        received_mdf.request_ids
    from signed_partners
    left join given_revenue on signed_partners.partner_id = given_revenue.partner_id
    left join given_events on signed_partners.partner_id = given_events.partner_id
    left join received_mdf on signed_partners.partner_id = received_mdf.partner_id
    left join received_campaigns on signed_partners.partner_id = received_campaigns.partner_id
),

one_sided_values as (
    select
        partner_id,
        'one_sided_value' as flag,
        'takes without giving: MDF spent '
        || coalesce(cast(spent_usd as {{ text }}), 'unconverted')
        || ' on ' || cast(requests as {{ text }})
        || case when requests = 1 then ' fund request' else ' fund requests' end
        || case
            when unconverted_requests > 0
                then ' (' || cast(unconverted_requests as {{ text }}) || ' without an fx rate)'
            else ''
        end
        || ' in the last {{ one_sided_days }} days; program-credited revenue '
        || cast(credited_revenue_usd as {{ text }})
        || ', no approved deal registration, converted referral or integration install'
            as detail,
        cast(spent_usd as {{ money_type() }}) as amount_usd,
        first_spend_date as condition_started_on,
        request_ids as related_ids
    from exchange
    where received_mdf and credited_revenue_usd <= 0 and not gave_events
    union all
    select
        partner_id,
        'one_sided_value' as flag,
        'gives without getting: program-credited revenue '
        || cast(credited_revenue_usd as {{ text }})
        || ' in the last {{ one_sided_days }} days; no MDF spent and no campaign of its own'
            as detail,
        cast(credited_revenue_usd as {{ money_type() }}) as amount_usd,
        cast(null as date) as condition_started_on,
        {{ no_ids }} as related_ids
    from exchange
    where
        credited_revenue_usd >= {{ var('one_sided_value_gives_revenue_usd') }}
        and not received_mdf
        and not received_campaign
),

-- set and forget: signed long enough, and nothing from the program in the trailing days
last_engagements as (
    select
        partner_id,
        max(engagement_date) as last_engagement_date
    from engagements
    group by partner_id
),

set_and_forgets as (
    select
        signed_partners.partner_id,
        'set_and_forget' as flag,
        'no campaign, MDF request, NPS response or co_sell touch in the last '
        || '{{ forget_days }} days; last engagement: '
        || coalesce(cast(last_engagements.last_engagement_date as {{ text }}), 'never')
            as detail,
        cast(null as {{ money_type() }}) as amount_usd,
        -- the first day with neither the engagement nor the signing inside the trailing days
        greatest(
            coalesce(
                {{ add_days('last_engagements.last_engagement_date', forget_days) }},
                signed_partners.agreement_date
            ),
            {{ add_days('signed_partners.agreement_date', forget_days + 1) }}
        ) as condition_started_on,
        {{ no_ids }} as related_ids
    from signed_partners
    left join last_engagements on signed_partners.partner_id = last_engagements.partner_id
    where
        {{ days_between('signed_partners.agreement_date', as_of_date()) }} > {{ forget_days }}
        and coalesce(
            last_engagements.last_engagement_date
            <= {{ add_days(as_of_date(), -forget_days) }},
            true
        )
),

-- detractor: the latest NPS response in the window (dim_partners' latest_nps_score) is 0-6
latest_responses as (
    select
        partner_id,
        response_id,
        responded_date,
        row_number() over (
            partition by partner_id
            order by responded_at desc, response_id desc
        ) as recency
    from survey_responses
    where
        responded_date > {{ add_days(as_of_date(), -var('nps_window_days')) }}
        and responded_date <= {{ as_of_date() }}
),

partner_detractors as (
    select
        signed_partners.partner_id,
        'partner_detractor' as flag,
        'latest NPS score ' || cast(signed_partners.latest_nps_score as {{ text }})
        || ' on ' || cast(latest_responses.responded_date as {{ text }}) as detail,
        cast(null as {{ money_type() }}) as amount_usd,
        latest_responses.responded_date as condition_started_on,
        {{ id_list('latest_responses.response_id') }} as related_ids
    from signed_partners
    inner join latest_responses
        on
            signed_partners.partner_id = latest_responses.partner_id
            and latest_responses.recency = 1
    where signed_partners.latest_nps_score <= {{ var('partner_detractor_max_score') }}
    group by
        signed_partners.partner_id,
        signed_partners.latest_nps_score,
        latest_responses.responded_date
),

final as (
    select * from channel_conflicts
    union all
    select * from inactive_partners
    union all
    select * from commission_mismatches
    union all
    select * from quadrant_mismatches
    union all
    select * from one_sided_values
    union all
    select * from set_and_forgets
    union all
    select * from partner_detractors
)

select * from final
