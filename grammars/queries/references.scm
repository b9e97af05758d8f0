; Every mention of a configuration name; those outside a recognised top-level write make the
; place they touch uncertain (conditionals, merge!, loops, ...).
((identifier) @name
  (#match? @name "^(routing|supervisor|mysql|memcached|app|web|proxy|cron|service|rrd|manifest|logrotate|repos|csg|enable_all)$"))
