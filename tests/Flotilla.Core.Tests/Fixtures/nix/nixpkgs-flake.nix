# A stand-in for nixpkgs as a flake input (tests copy it to DIR/flake.nix beside lib.nix and
# pkgs.nix and pass it with --override-input nixpkgs path:DIR): its lib and legacyPackages.
{
  outputs = { self }:
    let lib = import ./lib.nix; in
    {
      inherit lib;
      legacyPackages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]
        (system: import ./pkgs.nix { platform = system; });
    };
}
