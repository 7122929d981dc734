locals {
  ts          = "2026-07-24T19:03:04Z"
  compact     = formatdate("YYYYMMDD-HHmmss", local.ts)
  hours       = formatdate("hh:mm H h AA", local.ts)
  names       = formatdate("EEEE, DD MMMM YYYY", local.ts)
  quoted      = formatdate("'day' D 'o''clock'", local.ts)
  zone        = formatdate("ZZZZZ Z", "2026-07-24T19:03:04+02:00")
  timeadd     = timeadd(local.ts, "1h30m")
  now_is_utc  = can(regex("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", timestamp()))
  canonical   = length(regex_replace(timestamp(), "[- TZ:]", ""))
}
source "null" "time" {
  communicator = "none"
}
build {
  sources = ["source.null.time"]
}
