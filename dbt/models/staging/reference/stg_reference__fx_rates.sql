-- currency codes compare in any letter case, so the key is (rate_date, upper(currency))
with current_versions as (
    {{ latest_version(source('reference', 'fx_rates'), ['rate_date', 'upper(currency)']) }}
),

renamed as (
    select
        rate_date,
        upper(currency) as currency,
        usd_per_unit
    from current_versions
)

select * from renamed
