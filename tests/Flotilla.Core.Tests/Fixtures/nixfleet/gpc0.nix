# gpc0 (NixOS) as seed 004 deploys NixFleet's v2 agent on it: the WebSocket URL with /ws, the
# checkout the user manages in ~/Code/nixcfg (configRepo, NixFleet's legacy mode), user mba.
# tokenFile is what agenix's config.age.secrets.nixfleet-token.path evaluates to.
{
  enable = true;
  url = "wss://fleet.barta.cm/ws";
  tokenFile = "/run/agenix/nixfleet-token";
  configRepo = "/home/mba/Code/nixcfg";
  user = "mba";
  location = "home";
  deviceType = "gaming";
}
