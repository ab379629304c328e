# A Mac's home.nix as NixFleet's README sets it up, with the hostname override its option
# documents for imac0 (whose hostname changes with the network), a branch and a log level.
{
  enable = true;
  url = "wss://fleet.example.com";
  tokenFile = "/Users/yourname/.config/nixfleet/token";
  repoUrl = "git@github.com:you/nixcfg.git";
  branch = "main";
  hostname = "imac0";
  interval = 10;
  logLevel = "debug";
  location = "home";
  deviceType = "desktop";
}
