-- The program by partner type as of D (METRICS.md section 8): how many partners of each type,
-- how many are signed and active, the type's key metric summed over all its partners, the median
-- days to first deal of its signed partners, its typical time to value and how many of its
-- partners are ahead, on time, late, waiting or overdue. Read from dim_partners, so both agree;
-- every type of the seed has a row, with or without partners.
with partners as (
    select * from {{ ref('dim_partners') }}
),

partner_types as (
    select * from {{ ref('partner_types') }}
),

final as (
    select
        partner_types.partner_type,
        cast(count(partners.partner_id) as integer) as partners,
        cast(count(case when partners.is_signed then 1 end) as integer) as signed_partners,
        cast(count(case when partners.is_active then 1 end) as integer) as active_partners,
        cast(
            count(case when partners.is_active then 1 end)
            / nullif(count(case when partners.is_signed then 1 end), 0) as double
        ) as activation_rate,
        partner_types.key_metric,
        cast(coalesce(sum(partners.key_metric_value), 0) as {{ money_type() }}) as key_metric_total,
        cast(
            {{ median('case when partners.is_signed then partners.days_to_first_deal end') }}
            as double
        ) as median_days_to_first_deal,
        partner_types.time_to_value_min_days,
        partner_types.time_to_value_max_days,
        cast(count(case when partners.time_to_value_status = 'ahead' then 1 end) as integer)
            as ahead,
        cast(count(case when partners.time_to_value_status = 'on_time' then 1 end) as integer)
            as on_time,
        cast(count(case when partners.time_to_value_status = 'late' then 1 end) as integer)
            as late,
        cast(count(case when partners.time_to_value_status = 'waiting' then 1 end) as integer)
            as waiting,
        cast(count(case when partners.time_to_value_status = 'overdue' then 1 end) as integer)
            as overdue
    from partner_types
    left join partners on partner_types.partner_type = partners.partner_type
    group by
        partner_types.partner_type,
        partner_types.key_metric,
        partner_types.time_to_value_min_days,
        partner_types.time_to_value_max_days
)

select * from final
