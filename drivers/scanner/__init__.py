"""Barcode/QR scanners: serial (pyserial) and camera (zxing-cpp, cv2 fallback), plus payment-QR payload parsing."""
