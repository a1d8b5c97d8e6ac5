-- The program's engagements with each partner up to D (METRICS.md section 7, set_and_forget):
-- its own campaigns that started, its MDF requests (any status, by request date), its NPS
-- responses and its CRM-logged co_sell touches on existing opportunities (by touch date, in or
-- out of the opportunity's influence window). `engagement_date` is the last day the engagement
-- counts: a campaign runs until its end date (D while it has none or ends after D), so "engaged in
-- the trailing N days" is engagement_date > D - N for every kind.
with campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

mdf_requests as (
    select * from {{ ref('int_mdf_spend') }}
),

survey_responses as (
    select * from {{ ref('stg_surveys__partner_nps') }}
),

crm_touches as (
    select * from {{ ref('int_partner_touches_resolved') }}
),

opportunities as (
    select * from {{ ref('int_opportunities_valued') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

engagements as (
    -- a campaign with no start date is not running
    select
        partner_id,
        'campaign' as engagement_kind,
        campaign_id as engagement_id,
        least(coalesce(end_date, {{ as_of_date() }}), {{ as_of_date() }}) as engagement_date
    from campaigns
    where partner_id is not null and start_date <= {{ as_of_date() }}
    union all
    select
        partner_id,
        'mdf_request' as engagement_kind,
        request_id as engagement_id,
        requested_date as engagement_date
    from mdf_requests
    union all
    select
        partner_id,
        'nps_response' as engagement_kind,
        response_id as engagement_id,
        responded_date as engagement_date
    from survey_responses
    where responded_date <= {{ as_of_date() }}
    union all
    select
        crm_touches.partner_id,
        'co_sell_touch' as engagement_kind,
        crm_touches.touch_id as engagement_id,
        crm_touches.touched_date as engagement_date
    from crm_touches
    inner join opportunities on crm_touches.opportunity_id = opportunities.opportunity_id
    where crm_touches.touch_kind = 'co_sell' and crm_touches.touched_date <= {{ as_of_date() }}
),

final as (
    -- the records of a deleted partner are gone with it
    select engagements.*
    from engagements
    inner join partners on engagements.partner_id = partners.partner_id
)

select * from final
