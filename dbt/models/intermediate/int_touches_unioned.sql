-- Every touch linking a partner to an opportunity up to D (METRICS.md section 2, touches table):
-- the CRM's logged touches plus those derived from registrations, referrals, marketplace
-- transactions, integration installs and MDF-funded campaigns, every one kept with why it may not
-- count: touches of the same partner, kind and opportunity on the same date count once (the
-- smallest touch id stays, the others are same-day duplicates), and an approved registration that
-- lapsed before the opportunity existed is no touch at all (kept to explain it). Touches of deleted
-- partners or opportunities are gone with them. The influence window is applied in
-- int_line_touches_classified.
with opportunities as (
    select * from {{ ref('int_opportunities_valued') }}
),

partners as (
    select partner_id from {{ ref('int_partners') }}
),

logged_touches as (
    select * from {{ ref('int_partner_touches_resolved') }}
),

registrations as (
    select * from {{ ref('int_deal_registrations_matched') }}
),

referrals as (
    select * from {{ ref('int_referrals_matched') }}
),

marketplace_transactions as (
    select * from {{ ref('int_marketplace_transactions_linked') }}
),

installs as (
    select * from {{ ref('int_integration_installs_matched') }}
),

fund_requests as (
    select * from {{ ref('stg_mdf__fund_requests') }}
),

crm_touches as (
    select
        touch_id,
        touch_kind,
        opportunity_id,
        partner_id,
        touched_at,
        false as is_registration_lapsed
    from logged_touches
),

registration_touches as (
    select
        registration_id as touch_id,
        'deal_registration' as touch_kind,
        opportunity_id,
        partner_id,
        registered_at as touched_at,
        is_lapsed_before_opportunity as is_registration_lapsed
    from registrations
    where is_approved and opportunity_id is not null
),

referral_touches as (
    select
        referrals.referral_id as touch_id,
        'referral' as touch_kind,
        opportunities.opportunity_id,
        referrals.partner_id,
        referrals.converted_at as touched_at,
        false as is_registration_lapsed
    -- every opportunity of the account, in or out of its influence window
    from referrals
    inner join opportunities on referrals.account_id = opportunities.account_id
    where referrals.is_converted_as_of
),

marketplace_touches as (
    select
        transaction_id as touch_id,
        'marketplace' as touch_kind,
        opportunity_id,
        partner_id,
        transaction_at as touched_at,
        false as is_registration_lapsed
    from marketplace_transactions
    where opportunity_id is not null
),

integration_touches as (
    select
        installs.install_id as touch_id,
        'integration' as touch_kind,
        opportunities.opportunity_id,
        installs.partner_id,
        installs.installed_at as touched_at,
        false as is_registration_lapsed
    from installs
    inner join opportunities
        on
            installs.account_id = opportunities.account_id
            and installs.installed_date <= opportunities.window_end_date
            and (
                installs.uninstalled_date is null
                or installs.uninstalled_date > opportunities.window_end_date
            )
),

mdf_touches as (
    select distinct
        'mdf:' || requests.campaign_id || ':' || requests.partner_id as touch_id,
        'mdf_campaign' as touch_kind,
        opportunities.opportunity_id,
        requests.partner_id,
        opportunities.created_at as touched_at,
        false as is_registration_lapsed
    from fund_requests as requests
    inner join opportunities on requests.campaign_id = opportunities.campaign_id
    where
        requests.status not in ('rejected', 'cancelled')
        and cast(requests.requested_at as date) <= {{ as_of_date() }}
),

unioned as (
    select * from crm_touches
    union all
    select * from registration_touches
    union all
    select * from referral_touches
    union all
    select * from marketplace_touches
    union all
    select * from integration_touches
    union all
    select * from mdf_touches
),

existing as (
    select
        unioned.touch_id,
        unioned.touch_kind,
        unioned.opportunity_id,
        unioned.partner_id,
        unioned.touched_at,
        cast(unioned.touched_at as date) as touched_date,
        unioned.is_registration_lapsed
    from unioned
    inner join opportunities on unioned.opportunity_id = opportunities.opportunity_id
    inner join partners on unioned.partner_id = partners.partner_id
    where cast(unioned.touched_at as date) <= {{ as_of_date() }}
),

-- a lapsed registration is no touch, so it never takes a real touch's place in the de-duplication
ranked as (
    select
        *,
        row_number() over (
            partition by
                partner_id, touch_kind, opportunity_id, touched_date, is_registration_lapsed
            order by touch_id
        ) as same_day_rank
    from existing
),

final as (
    select
        touch_id,
        touch_kind,
        opportunity_id,
        partner_id,
        touched_at,
        touched_date,
        is_registration_lapsed,
        not is_registration_lapsed and same_day_rank > 1 as is_same_day_duplicate
    from ranked
)

select * from final
