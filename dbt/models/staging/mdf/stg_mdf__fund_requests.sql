with current_versions as (
    {{ latest_version(source('mdf', 'fund_requests')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        request_id,
        {{ partner_id_of('partner_id') }} as partner_id,
        campaign_id,
        requested_at,
        requested_amount,
        approved_amount,
        spent_amount,
        upper(currency) as currency,
        approved_at,
        claimed_at,
        proof_of_performance,
        lower(status) as status,
        updated_at
    from current_versions
)

select * from renamed
