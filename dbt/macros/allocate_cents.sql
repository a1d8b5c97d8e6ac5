{#- Split `total` (money, 2 decimals) over rows by `weight` (summing to 1 per partition) so that the
    parts are whole cents and add up to the total exactly: floor each share, then hand the cents
    left over to the largest remainders (ties: `tiebreak` ascending). Works for negative totals. -#}
{% macro allocate_cents(total, weight, partition_by, tiebreak) -%}
    sign({{ total }}) * (
        floor(round(abs({{ total }}) * 100 * {{ weight }}, 6))
        + case
            when row_number() over (
                partition by {{ partition_by }}
                order by
                    -- rounded again, so that equal remainders tie exactly and the tiebreak decides
                    round(
                        round(abs({{ total }}) * 100 * {{ weight }}, 6)
                        - floor(round(abs({{ total }}) * 100 * {{ weight }}, 6)),
                        6
                    ) desc,
                    {{ tiebreak }}
            )
            <= round(abs({{ total }}) * 100)
            - sum(floor(round(abs({{ total }}) * 100 * {{ weight }}, 6))) over (
                partition by {{ partition_by }}
            )
                then 1
            else 0
        end
    ) / 100
{%- endmacro %}


{#- allocate_cents for a partition known to hold one row: its row_number is 1 and the partition's
    sum of floors is its own floor, so no window is needed (the same value, computed per row). -#}
{% macro allocate_cents_single_row(total, weight) -%}
    sign({{ total }}) * (
        floor(round(abs({{ total }}) * 100 * {{ weight }}, 6))
        + case
            when 1
            <= round(abs({{ total }}) * 100)
            - floor(round(abs({{ total }}) * 100 * {{ weight }}, 6))
                then 1
            else 0
        end
    ) / 100
{%- endmacro %}
