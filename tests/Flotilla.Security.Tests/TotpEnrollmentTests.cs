namespace Flotilla.Security.Tests;

public sealed class TotpEnrollmentTests
{
    [Fact]
    public void The_uri_is_in_the_key_uri_format_authenticator_apps_read()
    {
        TotpSecret.TryParse("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", out var secret, out _);
        var enrollment = new TotpEnrollment(secret!, "Flotilla", "admin@fleet lab");

        Assert.Equal(
            "otpauth://totp/Flotilla:admin%40fleet%20lab?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Flotilla&algorithm=SHA1&digits=6&period=30",
            enrollment.Uri);
    }

    [Fact]
    public async Task The_png_qr_code_decodes_to_the_uri()
    {
        using var directory = new TempDirectory();
        var enrollment = new TotpEnrollment(TotpSecret.Generate(), "Flotilla", "admin");
        var png = Path.Combine(directory.Path, "qr.png");
        await File.WriteAllBytesAsync(png, enrollment.QrPng());

        var decoded = await Tools.RunAsync("zbarimg", null, "--quiet", "--raw", png);

        Assert.Equal(enrollment.Uri, decoded);
    }

    [Fact]
    public void The_svg_and_text_qr_codes_are_drawn()
    {
        var enrollment = new TotpEnrollment(TotpSecret.Generate(), "Flotilla", "admin");

        Assert.StartsWith("<svg", enrollment.QrSvg().TrimStart(), StringComparison.Ordinal);
        Assert.Contains("viewBox", enrollment.QrSvg(), StringComparison.Ordinal);
        var lines = enrollment.QrText().Split('\n');
        Assert.True(lines.Length > 15, enrollment.QrText());
        Assert.Contains(lines, line => line.Contains('▀', StringComparison.Ordinal) || line.Contains('▄', StringComparison.Ordinal));
    }
}
