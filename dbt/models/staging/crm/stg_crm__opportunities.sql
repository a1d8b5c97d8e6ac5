with current_versions as (
    {{ latest_version(source('crm', 'opportunities')) }}
),

renamed as (
    select
        opportunity_id,
        account_id,
        opportunity_name,
        created_at,
        cast(created_at as date) as created_date,
        close_date,
        stage,
        is_closed,
        is_won,
        amount,
        upper(currency) as currency,
        campaign_id,
        marketplace_offer_id,
        updated_at
    from current_versions
)

select * from renamed
