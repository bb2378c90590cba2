"""Contact EMV over PC/SC: BER-TLV, APDUs, the EMV kernel, the pyscard reader and a virtual card for vpcd."""
