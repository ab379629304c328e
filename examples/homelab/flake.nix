# The NixFleet hosts of seed 004 as a flake whose NixOS configurations carry seed 002's
# `lab.machine` metadata. Flotilla reads it with one `nix eval`:
#   ./flotilla hosts -f examples/homelab
#   ./flotilla plan -f examples/homelab --op reboot
# A real fleet builds each configuration with nixpkgs.lib.nixosSystem; this example has no
# inputs so that it evaluates offline, and each host file returns the `config` it would set.
{
  description = "Homelab fleet: metadata for Flotilla in lab.machine";

  outputs = { self }:
    let
      host = file: { config = import file; };
    in
    {
      nixosConfigurations = {
        hsb0 = host ./hosts/hsb0.nix;
        hsb1 = host ./hosts/hsb1.nix;
        hsb8 = host ./hosts/hsb8.nix;
        csb0 = host ./hosts/csb0.nix;
        csb1 = host ./hosts/csb1.nix;
        gpc0 = host ./hosts/gpc0.nix;
      };

      # macOS machines run home-manager; Flotilla treats each as a host of platform home-manager.
      homeConfigurations = {
        "mba@mba-mbp-work" = host ./hosts/mba-mbp-work.nix;
        "markus@imac0" = host ./hosts/imac0.nix;
      };
    };
}
