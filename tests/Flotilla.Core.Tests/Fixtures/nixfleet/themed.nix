# NixFleet settings Flotilla has no use for: a theme colour (NixFleet's P2900) and the nixpkgs
# version a Mac reports (P4349, `inputs.nixpkgs.shortRev` in the user's flake).
{
  enable = true;
  url = "wss://fleet.barta.cm/ws";
  tokenFile = "/Users/mba/.config/nixfleet/token";
  repoUrl = "git@github.com:markus-barta/nixcfg.git";
  themeColor = "#bb9af7";
  nixpkgsVersion = "a1b2c3d";
}
