using System.Globalization;
using QRCoder;

namespace Flotilla.Security;

/// <summary>What an authenticator app needs to enrol a secret: the otpauth:// URI (Google Authenticator's key URI format) and its QR code.</summary>
public sealed record TotpEnrollment(TotpSecret Secret, string Issuer, string Account, TotpOptions Options)
{
    public TotpEnrollment(TotpSecret secret, string issuer, string account)
        : this(secret, issuer, account, TotpOptions.Default)
    {
    }

    /// <summary><c>otpauth://totp/ISSUER:ACCOUNT?secret=...&amp;issuer=...&amp;algorithm=SHA1&amp;digits=6&amp;period=30</c>.</summary>
    public string Uri
    {
        get
        {
            var label = Uri_(Issuer) + ":" + Uri_(Account);
            var algorithm = Options.Algorithm switch
            {
                TotpAlgorithm.Sha256 => "SHA256",
                TotpAlgorithm.Sha512 => "SHA512",
                _ => "SHA1",
            };
            return string.Create(CultureInfo.InvariantCulture,
                $"otpauth://totp/{label}?secret={Secret.Base32Text}&issuer={Uri_(Issuer)}&algorithm={algorithm}&digits={Options.Digits}&period={(int)Options.Period.TotalSeconds}");
        }
    }

    /// <summary>The URI's QR code as an SVG document that scales to its container.</summary>
    public string QrSvg()
    {
        using var data = QrData();
        using var code = new SvgQRCode(data);
        return code.GetGraphic(new System.Drawing.Size(256, 256), "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>The URI's QR code as a PNG image.</summary>
    public byte[] QrPng(int pixelsPerModule = 6)
    {
        using var data = QrData();
        using var code = new PngByteQRCode(data);
        return code.GetGraphic(pixelsPerModule);
    }

    /// <summary>The URI's QR code drawn with half-block characters for a terminal (two modules a line).</summary>
    public string QrText()
    {
        using var data = QrData();
        using var code = new AsciiQRCode(data);
        return code.GetGraphicSmall(drawQuietZones: true, invert: true);
    }

    private QRCodeData QrData()
    {
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(Uri, QRCodeGenerator.ECCLevel.M);
    }

    private static string Uri_(string text) => System.Uri.EscapeDataString(text);
}
