-- One rate per currency and calendar day up to D: the latest rate on or before that day
-- (METRICS.md section 0), expressed as reporting-currency units per unit of the currency.
with rates as (
    select * from {{ ref('stg_reference__fx_rates') }}
    where rate_date <= {{ as_of_date() }} and currency != 'USD'
),

ranged as (
    select
        currency,
        usd_per_unit,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency order by rate_date) as valid_until
    from rates
),

spine as (
    {{ date_spine('(select min(rate_date) from rates)', as_of_date()) }}
),

usd_per_unit_daily as (
    select
        spine.date_day as rate_day,
        ranged.currency,
        ranged.usd_per_unit
    from spine
    inner join ranged
        on
            spine.date_day >= ranged.valid_from
            and (ranged.valid_until is null or spine.date_day < ranged.valid_until)
    union all
    -- USD is the unit of the rates file: it converts at 1 every day
    select
        date_day as rate_day,
        'USD' as currency,
        1 as usd_per_unit
    from spine
),

final as (
    select
        currency_day.rate_day,
        currency_day.currency,
        cast(
            currency_day.usd_per_unit / reporting_day.usd_per_unit as decimal(18, 10)
        ) as rate_to_reporting
    from usd_per_unit_daily as currency_day
    inner join usd_per_unit_daily as reporting_day
        on
            currency_day.rate_day = reporting_day.rate_day
            and reporting_day.currency = '{{ var("reporting_currency") }}'
)

select * from final
