# A NixOS server as NixFleet's README sets it up: the dashboard URL without /ws, a repository
# the agent clones and keeps (repoUrl), an admin user, location and device type.
{
  enable = true;
  url = "wss://fleet.example.com";
  tokenFile = "/run/agenix/nixfleet-token";
  repoUrl = "git@github.com:you/nixcfg.git";
  user = "admin";
  location = "cloud";
  deviceType = "server";
}
