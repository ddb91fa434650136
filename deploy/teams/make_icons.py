"""Draws the Teams app icons (run once; the PNGs are committed): a 192×192 colour icon and a
32×32 white-on-transparent outline icon, as Teams requires. Needs Pillow (a dev dependency)."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent
ACCENT = (0, 105, 120, 255)  # the manifest's accentColor #006978
WHITE = (255, 255, 255, 255)


def colour() -> Image.Image:
    image = Image.new("RGBA", (192, 192), ACCENT)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((36, 40, 156, 128), radius=18, outline=WHITE, width=10)
    draw.polygon([(64, 124), (64, 158), (96, 124)], fill=WHITE)
    font = ImageFont.load_default(size=64)
    draw.text((96, 84), "R", font=font, fill=WHITE, anchor="mm")
    return image


def outline() -> Image.Image:
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 5, 27, 21), radius=4, outline=WHITE, width=2)
    draw.polygon([(9, 20), (9, 27), (15, 20)], fill=WHITE)
    draw.line((12, 9, 12, 17), fill=WHITE, width=2)
    draw.line((12, 9, 18, 9), fill=WHITE, width=2)
    draw.line((18, 9, 18, 13), fill=WHITE, width=2)
    draw.line((12, 13, 18, 13), fill=WHITE, width=2)
    draw.line((15, 13, 19, 17), fill=WHITE, width=2)
    return image


if __name__ == "__main__":
    colour().save(HERE / "color.png")
    outline().save(HERE / "outline.png")
