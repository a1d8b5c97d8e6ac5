-- Return on each MDF fund request (METRICS.md section 6). A campaign's linked opportunities name
-- it; its attributed revenue is what they won within the attribution days after the campaign
-- starts, its pipeline the amount of those still open or closed in that period. Requests that fund
-- the same campaign share both in proportion to what they spent (equally when none spent). The
-- spend itself (amount in USD, spend date) is int_mdf_spend's.
{%- set window_days = var('mdf_attribution_days') %}

with spend_converted as (
    select * from {{ ref('int_mdf_spend') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

opportunities as (
    select * from {{ ref('int_revenue_lines') }}
    where line_kind = 'opportunity' and campaign_id is not null
),

campaign_requests as (
    select
        known_campaign_id as campaign_id,
        min(case when funds_campaign then requested_date end) as first_funding_date,
        min(requested_date) as first_request_date
    from spend_converted
    where known_campaign_id is not null
    group by known_campaign_id
),

-- every known campaign has results, whether or not a request funds it (a campaign whose only
-- request was rejected still has its pipeline: no_results must see it)
campaign_windows as (
    -- a campaign without a start date is measured from its first request that funds it (else
    -- its first request)
    select
        campaigns.campaign_id,
        coalesce(
            campaigns.start_date,
            campaign_requests.first_funding_date,
            campaign_requests.first_request_date
        ) as window_start
    from campaigns
    left join campaign_requests on campaigns.campaign_id = campaign_requests.campaign_id
),

campaign_results as (
    select
        campaign_windows.campaign_id,
        coalesce(sum(
            case
                when
                    opportunities.is_won
                    and opportunities.close_date >= campaign_windows.window_start
                    and opportunities.close_date
                    <= {{ add_days('campaign_windows.window_start', window_days) }}
                    then opportunities.revenue_usd
            end
        ), 0) as attributed_revenue_usd,
        coalesce(sum(
            case
                when
                    not opportunities.is_closed
                    or (
                        opportunities.close_date >= campaign_windows.window_start
                        and opportunities.close_date
                        <= {{ add_days('campaign_windows.window_start', window_days) }}
                    )
                    then opportunities.amount_usd
            end
        ), 0) as pipeline_usd
    from campaign_windows
    left join opportunities on campaign_windows.campaign_id = opportunities.campaign_id
    group by campaign_windows.campaign_id
),

funding_weights as (
    -- what each request weighs in its campaign's share: its spend; nothing when it funds nothing
    select
        *,
        case
            when funds_campaign and known_campaign_id is not null then coalesce(spent_usd, 0)
        end as funding_weight
    from spend_converted
),

weighted as (
    select
        *,
        case
            when funding_weight is null then 0.0
            when sum(funding_weight) over campaign > 0
                then {{ ratio('funding_weight', 'sum(funding_weight) over campaign') }}
            -- equally when none spent
            else {{ ratio('1', 'count(funding_weight) over campaign') }}
        end as campaign_share
    from funding_weights
    window campaign as (partition by known_campaign_id)
),

shared as (
    select
        weighted.*,
        case
            when weighted.campaign_share > 0
                then cast({{ allocate_cents(
                    'coalesce(campaign_results.attributed_revenue_usd, 0)',
                    'weighted.campaign_share',
                    'weighted.known_campaign_id, weighted.funds_campaign',
                    'weighted.request_id'
                ) }} as {{ money_type() }})
            else 0
        end as attributed_revenue_usd,
        case
            when weighted.campaign_share > 0
                then cast({{ allocate_cents(
                    'coalesce(campaign_results.pipeline_usd, 0)',
                    'weighted.campaign_share',
                    'weighted.known_campaign_id, weighted.funds_campaign',
                    'weighted.request_id'
                ) }} as {{ money_type() }})
            else 0
        end as pipeline_usd,
        coalesce(campaign_results.pipeline_usd, 0) as campaign_pipeline_usd
    from weighted
    left join campaign_results on weighted.known_campaign_id = campaign_results.campaign_id
),

flagged as (
    select
        *,
        coalesce(spent_amount, 0) > 0 and known_campaign_id is null as flag_no_campaign,
        coalesce(spent_amount, 0) > 0
        and cast(claimed_at as date) <= {{ as_of_date() }}
        and not coalesce(proof_of_performance, false) as flag_no_proof,
        coalesce(spent_amount, 0) > 0
        and end_date < {{ add_days(as_of_date(), -var('mdf_no_results_after_days')) }}
        and campaign_pipeline_usd = 0 as flag_no_results,
        coalesce(spent_amount, 0) > 0 and spent_usd is null as flag_unconverted
    from shared
),

final as (
    select
        request_id,
        partner_id,
        campaign_id,
        status,
        spent_amount,
        currency,
        spent_usd,
        pipeline_usd,
        attributed_revenue_usd,
        {{ ratio('attributed_revenue_usd - spent_usd', 'nullif(spent_usd, 0)') }} as roi,
        coalesce(flag_no_campaign or flag_no_proof or flag_no_results or flag_unconverted, false)
            as is_flagged,
        nullif(concat_ws(
            ', ',
            case when flag_no_campaign then 'no_campaign' end,
            case when flag_no_proof then 'no_proof_of_performance' end,
            case when flag_no_results then 'no_results' end,
            case when flag_unconverted then 'unconverted_currency' end
        ), '') as flag_reasons
    from flagged
)

select * from final
